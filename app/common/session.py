"""Commit helpers for routes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session

from app.extensions import db


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


def reads_without_transaction(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a read-only endpoint on an autocommit connection: each statement on its own, no BEGIN/ROLLBACK.

    Outermost decorator (above `jwt_required`), so the token's session check runs that way too. A read in a
    READ COMMITTED transaction gives no more guarantee than this (every statement takes its own snapshot), but
    costs two more round trips, and psycopg's ROLLBACK drops the connection's prepared statements: a
    statement run once per request then never reaches DB_PREPARE_THRESHOLD, so it is planned every time.
    Only for endpoints that write nothing and open no server-side cursor (exports stream inside a
    transaction); the pool restores the connection's isolation level when it comes back. The connection is
    taken from the pool only when the first statement needs it: a token answered by the owner cache
    (app/auth/owner_cache.py) makes `/auth/me` a request without one.
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

    return wrapper


def before_first_statement(session: Session) -> None:
    """Before a statement takes the session's connection: the first one inside `reads_without_transaction`
    takes an autocommit one (a session bound to a Connection, the test suite's outer transaction, has its own).
    Not `in_transaction()`: `Session.add` (a cached token owner handed to the session) begins a transaction
    that holds no connection yet."""
    if session.info.pop(_READING, False) and isinstance(session.get_bind(), Engine):
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _before_orm_statement(state: ORMExecuteState) -> None:
    before_first_statement(state.session)


def install_autocommit_reads() -> None:
    """ORM statements (lazy loads included) take the read's connection too (idempotent; `create_app` calls it);
    hot statements call `before_first_statement` themselves."""
    if not event.contains(Session, "do_orm_execute", _before_orm_statement):
        event.listen(Session, "do_orm_execute", _before_orm_statement)
