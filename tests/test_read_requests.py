"""The hot read endpoints run without a transaction (app.common.session.reads_without_transaction); writes keep
theirs, and the connection the pool hands out next is transactional again.

Live tests: the real engine and pool, not the suite's one outer transaction, and every request in its own
application context (its own session, closed at the end), as gunicorn serves them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.common.hot import HotStatement
from app.common.session import reads_without_transaction
from app.extensions import db
from tests.teams.conftest import make_team


@pytest.fixture
def autocommit_seen(app):
    """For every SQL statement of the test: whether its connection was in autocommit mode."""
    seen: list[tuple[str, bool]] = []

    def record(_conn, cursor, statement, *_args):
        seen.append((statement.split()[0].upper(), cursor.connection.autocommit))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        yield seen
        event.remove(db.engine, "before_cursor_execute", record)


pytestmark = pytest.mark.live


def alone(app, call: Callable):
    """One request in an application context of its own, torn down after it (the session closed)."""
    with app.app_context():
        return call()


def _reads(api, user, other_user) -> list[str]:
    team = make_team(api, user, other_user)
    list_id = api.post(f"/api/v1/teams/{team}/lists", user, json={"name": "Backlog"}).json["id"]
    assert api.post(f"/api/v1/lists/{list_id}/tasks", user, json={"title": "One"}).status_code == 201
    assert api.post("/api/v1/habits", user, json={"action": "read", "place": "home", "time": "07:00"}).status_code
    return [
        "/api/v1/auth/me",
        "/api/v1/goals?status=todo&ordering=-due_date",
        "/api/v1/habits",
        f"/api/v1/lists/{list_id}/tasks",
    ]


def test_hot_reads_run_outside_a_transaction_and_writes_inside_one(app, api, user, other_user, autocommit_seen):
    paths = _reads(api, user, other_user)
    for path in paths:
        autocommit_seen.clear()
        assert alone(app, lambda path=path: api.get(path, user)).status_code == 200
        assert autocommit_seen and all(auto for _sql, auto in autocommit_seen), (path, autocommit_seen)
    board = api.get("/api/v1/boards", user).json[0]["id"]
    category = api.post("/api/v1/categories", user, json={"title": "Home", "board_id": board})
    db.session.remove()
    autocommit_seen.clear()
    body = {"title": "Written", "category_id": category.json["id"]}
    created = alone(app, lambda: api.post("/api/v1/goals", user, json=body))
    assert created.status_code == 201
    assert any(sql == "INSERT" and not auto for sql, auto in autocommit_seen), autocommit_seen
    assert not any(auto for _sql, auto in autocommit_seen), autocommit_seen  # the pool reset the connection


def test_hot_reads_leave_the_session_alone(app, api, user, other_user):
    """The token's user reaches the hot reads as its columns (app/auth/current.py): no Session transaction is
    begun, no instance enters a Session (that work was ~70 µs a request), whether the owner came from
    PostgreSQL (the first request of a token) or from the owner cache (the next ones)."""
    paths = _reads(api, user, other_user)
    seen: list[str] = []

    def begun(_session, transaction):
        seen.append(f"transaction {transaction!r}")

    def attached(_session, instance):
        seen.append(f"attached {instance!r}")

    event.listen(Session, "after_transaction_create", begun)
    event.listen(Session, "after_attach", attached)
    try:
        for path in paths:
            for _ in range(2):
                seen.clear()
                assert alone(app, lambda path=path: api.get(path, user)).status_code == 200
                assert seen == [], path
        seen.clear()
        assert alone(app, lambda: api.patch("/api/v1/auth/me", user, json={"first_name": "Ann"})).status_code == 200
        assert any(item.startswith("attached <User") for item in seen), seen  # a write still gets the instance
    finally:
        event.remove(Session, "after_transaction_create", begun)
        event.remove(Session, "after_attach", attached)


def test_a_failed_read_is_refused_the_same_way(app, api, user, other_user):
    _reads(api, user, other_user)
    db.session.remove()
    assert alone(app, lambda: api.get("/api/v1/lists/999999/tasks", user)).status_code == 404
    assert alone(app, lambda: api.get("/api/v1/goals?ordering=nonsense", user)).status_code == 422
    assert alone(app, lambda: api.client.get("/api/v1/goals")).status_code == 401


def test_reads_keep_the_connections_prepared_statements(api, user, other_user, app, monkeypatch):
    """psycopg's ROLLBACK deallocates every prepared statement of the connection: a read that ended with one
    never reached DB_PREPARE_THRESHOLD (each statement runs once per request) and was planned every time."""
    monkeypatch.setitem(app.config, "AUTH_CACHE_MAX_AGE", 0)  # the token check must reach PostgreSQL each time
    paths = _reads(api, user, other_user)
    db.session.remove()
    for _ in range(3):
        for path in paths:
            assert alone(app, lambda path=path: api.get(path, user)).status_code == 200
    with app.app_context():  # the pool's most recently returned connection: the one the reads used
        prepared = db.session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        db.session.rollback()
    assert any("auth_sessions" in statement for statement in prepared), prepared
    assert any("FROM goals" in statement for statement in prepared), prepared


def test_prepared_statements_keep_their_generic_plan(api, user, other_user, app):
    """PostgreSQL plans a prepared statement's first five runs for their values, then keeps one generic plan if
    its estimate is no worse: each hot page is then planned no more. (On the bench data `= ANY($1)` of one
    status never passed that test, so one value is an equality: tests/goals/test_filters.py.)"""
    paths = _reads(api, user, other_user)
    db.session.remove()
    for _ in range(12):
        for path in paths:
            assert alone(app, lambda path=path: api.get(path, user)).status_code == 200
    with app.app_context():
        plans = db.session.execute(
            text(
                "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE '%LIMIT%OFFSET%'"  # the three pages
            )
        ).all()
        db.session.rollback()
    assert len(plans) == 3, plans
    assert all(generic > 0 and custom <= 5 for _sql, generic, custom in plans), plans


def test_a_read_that_runs_no_sql_takes_no_connection(app, api, user, other_user):
    """A token answered by the owner cache leaves `/auth/me` with nothing to ask PostgreSQL: no checkout."""
    paths = _reads(api, user, other_user)
    db.session.remove()
    checkouts: list[object] = []

    def checkout(*_args):
        checkouts.append(1)

    with app.app_context():
        event.listen(db.engine.pool, "checkout", checkout)
    try:
        for _ in range(2):
            checkouts.clear()
            assert alone(app, lambda: api.get("/api/v1/auth/me", user)).status_code == 200
        assert checkouts == []
        assert alone(app, lambda: api.get(paths[1], user)).status_code == 200
        assert checkouts == [1]
    finally:
        with app.app_context():
            event.remove(db.engine.pool, "checkout", checkout)


def test_a_read_holds_one_connection_at_a_time(app, user):
    """A hot statement's connection is the request's own, not the Session's: an ORM statement of the same read
    gives it back before the Session takes one, and the hot statements after it run on the Session's."""
    out: list[int] = []
    held = {"now": 0, "most": 0}

    def checkout(*_args):
        held["now"] += 1
        held["most"] = max(held["most"], held["now"])

    def checkin(*_args):
        held["now"] -= 1

    hot = HotStatement(select(User.id).where(User.id == bindparam("id")))

    @reads_without_transaction
    def read():
        out.append(hot.first(id=user.id)[0])
        out.append(db.session.execute(select(User.id).where(User.id == user.id)).scalar_one())  # ORM
        out.append(hot.first(id=user.id)[0])
        return db.session.connection().connection.driver_connection.autocommit

    with app.app_context():
        event.listen(db.engine.pool, "checkout", checkout)
        event.listen(db.engine.pool, "checkin", checkin)
    try:
        with app.app_context(), app.test_request_context():  # a session of its own, as a request has
            assert read() is True
        assert out == [user.id] * 3
        assert held == {"now": 0, "most": 1}
        with app.app_context():  # the connection went back to the pool transactional
            assert db.session.connection().connection.driver_connection.autocommit is False
            db.session.rollback()
    finally:
        with app.app_context():
            event.remove(db.engine.pool, "checkout", checkout)
            event.remove(db.engine.pool, "checkin", checkin)


def test_a_hot_read_gives_its_connection_back_transactional(app, user):
    hot = HotStatement(select(User.id).where(User.id == bindparam("id")))

    @reads_without_transaction
    def read():
        assert hot.first(id=user.id) == (user.id,)
        return db.session.info["kalendar_read_connection"][1].driver_connection

    with app.app_context(), app.test_request_context():
        used = read()
    with app.app_context():  # LIFO: the pool hands out the connection just given back
        assert db.session.connection().connection.driver_connection is used
        assert used.autocommit is False
        db.session.rollback()


def test_a_read_that_fails_on_a_dead_connection_leaves_it_out_of_the_pool(app, user):
    """The request's own connection gets SQLAlchemy's error handling: the error arrives wrapped, and the dead
    connection is invalidated, so that the pool discards it instead of taking it back."""
    hot = HotStatement(select(User.id).where(User.id == bindparam("id")))

    @reads_without_transaction
    def read():
        hot.first(id=user.id)
        fairy = db.session.info["kalendar_read_connection"][1]
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": fairy.driver_connection.info.backend_pid})
        with pytest.raises(OperationalError):
            hot.first(id=user.id)
        return fairy

    with app.app_context(), app.test_request_context():
        assert not read().is_valid
