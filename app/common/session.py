"""Commit helpers for routes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from sqlalchemy.engine import Engine

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


def reads_without_transaction(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a read-only endpoint on an autocommit connection: each statement on its own, no BEGIN/ROLLBACK.

    Outermost decorator (above `jwt_required`), so the token's session check runs that way too. A read in a
    READ COMMITTED transaction gives no more guarantee than this (every statement takes its own snapshot), but
    costs two more round trips, and psycopg's ROLLBACK drops the connection's prepared statements: a
    statement run once per request then never reaches DB_PREPARE_THRESHOLD, so it is planned every time.
    Only for endpoints that write nothing and open no server-side cursor (exports stream inside a
    transaction); the pool restores the connection's isolation level when it comes back.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session = db.session()
        # A session bound to a Connection (the test suite's outer transaction) already has its transaction.
        if not session.in_transaction() and isinstance(session.get_bind(), Engine):
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapper
