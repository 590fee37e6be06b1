"""The hot read endpoints run without a transaction (app.common.session.reads_without_transaction); writes keep
theirs, and the connection the pool hands out next is transactional again.

Live tests: the real engine and pool, not the suite's one outer transaction, and every request in its own
application context (its own session, closed at the end), as gunicorn serves them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event, text

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
    assert any(sql == "INSERT" for sql, _auto in autocommit_seen)
    assert not any(auto for _sql, auto in autocommit_seen), autocommit_seen  # the pool reset the connection


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


def test_prepared_statements_are_planned_once(api, user, other_user, app):
    """plan_cache_mode (DB_OPTIONS): PostgreSQL's default keeps re-planning a hot list's prepared statement on
    every run (its generic plan's estimate looks worse than the custom ones), which costs more than running it."""
    paths = _reads(api, user, other_user)
    db.session.remove()
    for _ in range(8):  # the default would have tried a generic plan after five custom ones
        for path in paths:
            assert alone(app, lambda path=path: api.get(path, user)).status_code == 200
    with app.app_context():
        plans = db.session.execute(
            text("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%FROM goals%'")
        ).all()
        db.session.rollback()
    assert plans and all(custom == 0 and generic > 0 for generic, custom in plans), plans


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
