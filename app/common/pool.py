"""Connection liveness without a round trip on every checkout.

`pool_pre_ping` sends `SELECT 1` before every request's first query: one more round trip through the driver,
the event loop and PostgreSQL per request, for the rare connection that died while idle in the pool. This
checks cheaper, in two steps, on checkout:

- a pooled connection is idle, so PostgreSQL has nothing to say on it. When its socket is readable, the
  server closed it (restart, `pg_terminate_backend`, idle timeout: the FATAL message and EOF are waiting) —
  a zero-timeout `select()`, no round trip;
- a connection idle for longer than `DB_PING_AFTER_IDLE` seconds may have been dropped silently on the way
  (a NAT or firewall timeout says nothing): it gets the real ping.

Either failure raises `DisconnectionError`, on which SQLAlchemy's pool discards the connection and checks out
a fresh one (up to three times) before the request sees anything: a dead connection is replaced, not a 500.
"""

from __future__ import annotations

import select
import sys
import time
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

IDLE_SINCE = "kalendar_idle_since"


def _nonblocking_select() -> Callable[..., Any]:
    """The interpreter's own select(): gevent's patched one also yields to the hub on every call."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("select"):
        return monkey.get_original("select", "select")
    return select.select


def install_liveness_checks(engine: Engine, ping_after_idle: float) -> None:
    """Check pooled connections of `engine` on checkout as described above (once per engine)."""
    if engine in _INSTALLED:
        return
    _INSTALLED.add(engine)
    poll = _nonblocking_select()

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop(IDLE_SINCE, None)
        if idle_since is None:  # a new connection: it has just answered the handshake
            return
        try:
            readable, _, _ = poll([dbapi_connection.fileno()], [], [], 0)
        except (OSError, ValueError) as error:  # a closed descriptor
            raise DisconnectionError("the pooled connection's socket is gone") from error
        if readable:
            raise DisconnectionError("the server closed the pooled connection")
        if time.monotonic() - idle_since > ping_after_idle:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as error:  # noqa: BLE001  (any failure of the ping means: not this connection)
                raise DisconnectionError("the pooled connection did not answer the ping") from error

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checkout)
    # An engine dropped with its app (tests build many) closes its pooled connections instead of leaving them
    # to the garbage collector, which psycopg reports as a ResourceWarning.
    weakref.finalize(engine, engine.pool.dispose)


_INSTALLED: weakref.WeakSet[Engine] = weakref.WeakSet()
