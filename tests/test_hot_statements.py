"""app.common.hot.HotStatement: what it keeps of Session.execute (types, listeners, errors, autoflush, prepared
statements) and what it refuses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Float, Numeric, bindparam, cast, event, func, literal, select, text
from sqlalchemy.exc import DataError, ProgrammingError

from app.auth.models import AuthSession, User
from app.common.hot import HotStatement
from app.extensions import db


def test_types_are_processed_both_ways_as_session_execute_does(app, user):
    """UTCDateTime (a TypeDecorator) turns the aware datetime into what the column stores and back."""
    statement = HotStatement(
        select(AuthSession.created_at, func.lower(User.username).label("name"))
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.created_at > bindparam("after", type_=AuthSession.created_at.type))
    )
    after = datetime(2000, 1, 1, tzinfo=UTC)
    expected = db.session.execute(statement._statement, {"after": after}).all()
    got = statement.all(after=after)
    assert got == [tuple(row) for row in expected] and got
    assert got[0][0].tzinfo is not None
    assert statement.dicts(after=after)[0] == {"created_at": got[0][0], "name": got[0][1]}
    assert statement.first(after=datetime(3000, 1, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
def test_timestamps_come_back_in_utc_whatever_the_sessions_time_zone(app, user, zone):
    """On a UTC session (DB_OPTIONS) psycopg's values are taken as they are; on any other, UTCDateTime converts."""
    db.session.execute(text(f"SET LOCAL TimeZone = '{zone}'"))
    statement = HotStatement(select(AuthSession.created_at).where(AuthSession.user_id == bindparam("user_id")))
    (created_at,) = statement.first(user_id=user.id)
    assert created_at.tzinfo is UTC
    assert created_at == db.session.scalar(select(AuthSession.created_at).where(AuthSession.user_id == user.id))


def test_the_statements_own_literals_ride_along(app):
    assert HotStatement(select(literal("x"), literal(41) + bindparam("n"))).first(n=1) == ("x", 42)


def test_every_run_reaches_the_engines_listeners(app, user):
    """The statement-count tests see hot statements like any other."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    statement = HotStatement(select(User.id).where(User.id == bindparam("id")))
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert statement.first(id=user.id) == (user.id,)
        assert statement.first(id=-1) is None
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen == [statement.sql, statement.sql]


def test_pending_changes_are_flushed_first(app, user):
    db.session.add(User(username=f"pending-{uuid.uuid4().hex[:8]}", timezone="UTC"))
    statement = HotStatement(select(func.count()).select_from(User).where(User.username.like("pending-%")))
    assert statement.first() == (1,)


def test_errors_arrive_as_sqlalchemy_errors(app):
    with pytest.raises(DataError):
        HotStatement(select(literal(1) / bindparam("zero"))).first(zero=0)
    db.session.rollback()
    with pytest.raises(ProgrammingError):
        HotStatement(select(text("no_such_column"))).first()
    db.session.rollback()


def test_sql_that_depends_on_the_values_is_refused(app):
    with pytest.raises(TypeError, match="ANY"):
        HotStatement(select(User.id).where(User.id.in_(bindparam("ids", expanding=True)))).all(ids=[1])
    assert HotStatement(select(User.id).where(User.id == func.any(bindparam("ids")))).all(ids=[-1]) == []


def test_result_types_follow_what_postgresql_reports(app):
    """Numeric's processor depends on the column's PostgreSQL type (numeric vs float8), known after the run."""
    statement = HotStatement(select(cast(literal(3), Numeric(asdecimal=False)), cast(literal(2), Float)))
    assert statement.first() == (3.0, 2.0) and isinstance(statement.first()[0], float)
