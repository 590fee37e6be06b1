"""Commit helpers for routes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, Session

from app.extensions import db

log = logging.getLogger(__name__)


def commit_for_response() -> None:
    """Commit without expiring the session's objects, so that the response is dumped from the row just
    written instead of re-reading it: with expire_on_commit every dumped object costs one more SELECT (and
    a transaction) after the commit. For a route's last commit only, when nothing else changes those rows
    in the same request (columns filled by the database, not Python, still load lazily when read).
    """
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous


_READING = "kalendar_reads_without_transaction"
_READ_CONNECTION = "kalendar_read_connection"


def reads_without_transaction(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a read-only endpoint on an autocommit connection: each statement on its own, no BEGIN/ROLLBACK.

    Outermost decorator (above `jwt_required`), so the token's session check runs that way too. A read in a
    READ COMMITTED transaction gives no more guarantee than this (every statement takes its own snapshot), but
    costs two more round trips, and psycopg's ROLLBACK drops the connection's prepared statements: a
    statement run once per request then never reaches DB_PREPARE_THRESHOLD, so it is planned every time.
    Only for endpoints that write nothing and open no server-side cursor (exports stream inside a
    transaction). The connection is taken from the pool only when the first statement needs it: a token
    answered by the owner cache (app/auth/owner_cache.py) makes `/auth/me` a request without one.

    Hot statements (app/common/hot.py) take theirs straight from the pool (`statement_connection`), not through
    the Session: its transaction bookkeeping for a connection it would only hand over (~250 Python calls a
    request, checkout and close) cost more than the rest of a hot list's query. The view's end gives it back,
    its isolation level restored; an ORM statement of the same read gives it back first and lets the Session
    take its own, so that a request never holds two.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session = db.session()
        info = session.info
        info[_READING] = not session.in_transaction()  # before_request work may have taken a connection
        try:
            return view(*args, **kwargs)
        finally:
            info.pop(_READING, None)
            _release_read_connection(session)

    return wrapper


def statement_connection(session: Session) -> Connection:
    """The connection a hot statement of `session` runs on: inside `reads_without_transaction`, before the
    Session holds one, an autocommit connection of the request's own (the suite's outer transaction, a session
    bound to a Connection, keeps its own); else the Session's, as `Session.execute` would use."""
    info = session.info
    held = info.get(_READ_CONNECTION)
    if held is not None:
        return held[0]
    if info.get(_READING) and not _holds_connection(session):
        engine = session.get_bind()
        if isinstance(engine, Engine):
            fairy = engine.raw_connection()
            try:
                # psycopg's own switch (the dialect's isolation API also sets the level, left at its default)
                fairy.driver_connection.autocommit = True
            except BaseException:
                fairy.close()
                raise
            connection = Connection(engine, connection=fairy)  # for the listeners and the error handling
            info[_READ_CONNECTION] = (connection, fairy)
            return connection
    return session.connection()


def _holds_connection(session: Session) -> bool:
    transaction = session.get_transaction()  # begun by Session.add too, which takes no connection
    return transaction is not None and bool(transaction._connections)  # no public API says "holds one"


def _release_read_connection(session: Session) -> None:
    held = session.info.pop(_READ_CONNECTION, None)
    if held is None:
        return
    _connection, fairy = held
    try:
        if fairy.is_valid:  # an error on a dead connection invalidated it: the pool discards it
            fairy.driver_connection.autocommit = False
    except Exception as error:  # noqa: BLE001  (the read has its answer: the connection is not reused)
        log.warning("resetting a read connection failed: %s", error.__class__.__name__)
        fairy.invalidate(error)
    finally:
        fairy.close()


def _before_orm_statement(state: ORMExecuteState) -> None:
    """ORM statements (lazy loads included) inside `reads_without_transaction`: an autocommit connection too,
    the Session's own (the hot statements' one given back first, so that the request holds one at a time)."""
    session = state.session
    if not session.info.get(_READING):
        return
    _release_read_connection(session)
    if not _holds_connection(session) and isinstance(session.get_bind(), Engine):
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def install_autocommit_reads() -> None:
    """Hook ORM statements into `reads_without_transaction` (idempotent; `create_app` calls it)."""
    if not event.contains(Session, "do_orm_execute", _before_orm_statement):
        event.listen(Session, "do_orm_execute", _before_orm_statement)
