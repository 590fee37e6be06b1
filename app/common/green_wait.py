"""psycopg's wait in a gevent worker: one io watcher on the hub per wait.

psycopg cannot block the worker: once gevent has patched `select`, it waits through `select.poll`, which gevent
emulates in Python (a poll object, its watchers, a result event and a timer, at every wait, and a wake-up every
100 ms to look for Ctrl-C). A query's wait costs ~25 µs of CPU more that way than with a watcher of the fd's own
(measured on this project's 2-core machines). A wait with a deadline (psycopg's cancel) keeps psycopg's own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator
from typing import Any

from psycopg import waiting
from psycopg.waiting import Ready, Wait

_PSYCOPGS_OWN = waiting.wait
_READY = {Wait.R: Ready.R, Wait.W: Ready.W}
_get_hub: Callable[[], Any]
_select: Callable[..., Any]


def install() -> bool:
    """Make `wait` psycopg's wait in this process, if gevent has patched `select` (True then). gevent is not
    imported otherwise: the RQ worker, the bot and the CLI never load it."""
    global _get_hub, _select
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("select"):
        return False
    from gevent import get_hub

    _get_hub = get_hub
    _select = monkey.get_original("select", "select")  # the interpreter's own: answers at once, never yields
    waiting.wait = wait
    return True


def wait(gen: Generator[Any, Any, Any], fileno: int, interval: float = 0.0, timeout: float | None = None) -> Any:
    """psycopg's `waiting.wait`: run `gen`, waiting on the gevent hub for `fileno` to be ready as it asks."""
    if timeout is not None:
        return _PSYCOPGS_OWN(gen, fileno, interval, timeout)
    hub = _get_hub()
    io = hub.loop.io
    try:
        state = next(gen)
        while True:
            watcher = io(fileno, int(state))  # libev's READ and WRITE bits are the selectors' (Wait's)
            try:
                hub.wait(watcher)
            finally:
                watcher.close()
            state = gen.send(_READY.get(state) or _which(fileno))
    except StopIteration as done:
        return done.value


def _which(fileno: int) -> Ready:
    """After a wait for either: which of the two the socket is ready for."""
    readable, writable, _ = _select([fileno], [fileno], [], 0)
    return Ready((Ready.R if readable else 0) | (Ready.W if writable else 0))
