"""Other processes by pid (the embedded servers): alive, which program, stop, the pid file, the log's tail."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) is not a running server
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def stop(pid: int, timeout: float, sig: int) -> None:
    """Send `sig`, wait up to `timeout` seconds for the process to go, then SIGKILL it."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)


def is_program(pid: int, name: str) -> bool:
    """Whether `pid` still runs that server (`postgres`, `valkey`): pids are reused after a crash or reboot."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip().startswith(name)
    except OSError:
        return False


def read_pid(path: Path) -> int | None:
    """The pid a pid file starts with, or None (missing, empty or garbled)."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def log_tail(log: Path, lines: int = 20) -> str:
    """The last lines of a server's log, ready to append to an error message ("" when unreadable)."""
    try:
        text = "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
    return f"\n--- last lines of {log} ---\n{text}"
