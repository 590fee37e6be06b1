"""Each signal names its listeners where it is declared, and exactly those are connected (by app.wiring)."""

from __future__ import annotations

import re
from pathlib import Path

import blinker

from app.auth import signals

SOURCE = Path(signals.__file__).read_text()


def _documented() -> dict[str, set[str]]:
    """`#: Listener: `app.x.y.func`` comment lines above each `name = _signals.signal(...)`."""
    found: dict[str, set[str]] = {}
    pending: set[str] = set()
    for line in SOURCE.splitlines():
        if line.startswith("#:") and "Listener" in line:
            pending |= set(re.findall(r"`(app\.[\w.]+)`", line.split("Listener", 1)[1]))
        elif match := re.match(r"(\w+) = _signals\.signal\(", line):
            found[match.group(1)] = pending
            pending = set()
    return found


def test_every_signal_names_its_connected_listeners(app):
    documented = _documented()
    declared = {name for name, value in vars(signals).items() if isinstance(value, blinker.Signal)}
    assert set(documented) == declared
    for name, listeners in documented.items():
        connected = {f"{r.__module__}.{r.__qualname__}" for r in getattr(signals, name).receivers_for(blinker.ANY)}
        assert listeners, f"{name} names no listener"
        assert connected == listeners, f"{name}: connected {connected}, documented {listeners}"
