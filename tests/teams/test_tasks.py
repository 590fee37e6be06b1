"""Task rules: assignee membership, list scoping, done/reopen, filters, deadlines, no N+1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.teams.conftest import make_team


def test_task_has_exactly_the_contract_fields(api, world):
    task = api.get(f"/api/v1/tasks/{world.task_id}", world.member).json
    assert set(task) == {
        "id",
        "list_id",
        "team_id",
        "title",
        "description",
        "assignee_id",
        "deadline",
        "is_done",
        "done_at",
        "is_overdue",
        "created_by",
        "created_at",
        "updated_at",
    }
    team = api.get(f"/api/v1/teams/{world.team_id}", world.member).json
    assert set(team) == {"id", "name", "description", "my_role", "created_at"} and team["my_role"] == "member"
    members = api.get(f"/api/v1/teams/{world.team_id}/members", world.member).json
    assert set(members[0]) == {"user_id", "username", "role", "joined_at"}
    lists = api.get(f"/api/v1/teams/{world.team_id}/lists", world.member).json
    assert set(lists[0]) == {"id", "team_id", "name", "created_by", "created_at"}


def test_assignee_outside_the_team_is_422(api, world):
    r = api.post(
        f"/api/v1/lists/{world.list_id}/tasks", world.admin, json={"title": "X", "assignee_id": world.stranger.id}
    )
    assert r.status_code == 422 and "assignee_id" in r.json["errors"]["json"]
    r = api.patch(f"/api/v1/tasks/{world.task_id}", world.admin, json={"assignee_id": world.stranger.id})
    assert r.status_code == 422 and "assignee_id" in r.json["errors"]["json"]
    assert api.get(f"/api/v1/tasks/{world.task_id}", world.admin).json["assignee_id"] is None


def test_task_only_in_a_list_of_my_team(api, world):
    other_team = make_team(api, world.stranger, name="Other")
    other_list = api.post(f"/api/v1/teams/{other_team}/lists", world.stranger, json={"name": "Theirs"}).json["id"]
    r = api.post(f"/api/v1/lists/{other_list}/tasks", world.admin, json={"title": "Sneak"})
    assert r.status_code == 404
    r = api.patch(f"/api/v1/tasks/{world.task_id}", world.admin, json={"list_id": other_list})
    assert r.status_code == 422 and "list_id" in r.json["errors"]["json"]


def test_unknown_fields_and_naive_deadline_are_rejected(api, world):
    base = f"/api/v1/lists/{world.list_id}/tasks"
    assert api.post(base, world.admin, json={"title": "X", "is_done": True}).status_code == 422
    r = api.post(base, world.admin, json={"title": "X", "deadline": "2026-12-01T10:00:00"})
    assert r.status_code == 422 and "deadline" in r.json["errors"]["json"]
    r = api.post(base, world.admin, json={"title": "X", "deadline": "2026-12-01T13:00:00+03:00"})
    assert r.json["deadline"] == "2026-12-01T10:00:00+00:00"


def test_done_and_reopen_are_idempotent(api, world):
    first = api.post(f"/api/v1/tasks/{world.task_id}/done", world.member).json
    second = api.post(f"/api/v1/tasks/{world.task_id}/done", world.member).json
    assert first["is_done"] and first["done_at"] == second["done_at"]
    assert not api.post(f"/api/v1/tasks/{world.task_id}/reopen", world.member).json["is_done"]
    again = api.post(f"/api/v1/tasks/{world.task_id}/reopen", world.member).json
    assert again["is_done"] is False and again["done_at"] is None


def test_removing_a_member_unassigns_their_open_tasks(api, world):
    base = f"/api/v1/lists/{world.list_id}/tasks"
    open_id = api.post(base, world.admin, json={"title": "Open", "assignee_id": world.member.id}).json["id"]
    done_id = api.post(base, world.admin, json={"title": "Done", "assignee_id": world.member.id}).json["id"]
    api.post(f"/api/v1/tasks/{done_id}/done", world.admin)
    assert api.delete(f"/api/v1/teams/{world.team_id}/members/{world.member.id}", world.admin).status_code == 204
    assert api.get(f"/api/v1/tasks/{open_id}", world.admin).json["assignee_id"] is None
    assert api.get(f"/api/v1/tasks/{done_id}", world.admin).json["assignee_id"] == world.member.id


def test_task_filters(api, world):
    base = f"/api/v1/lists/{world.list_id}/tasks"
    mine = api.post(base, world.admin, json={"title": "Mine", "assignee_id": world.member.id}).json["id"]
    api.post(f"/api/v1/tasks/{world.task_id}/done", world.admin)
    other_team = make_team(api, world.member, name="Solo")
    solo_list = api.post(f"/api/v1/teams/{other_team}/lists", world.member, json={"name": "S"}).json["id"]
    solo = api.post(f"/api/v1/lists/{solo_list}/tasks", world.member, json={"title": "Solo"}).json["id"]

    def ids(query):
        r = api.get(f"/api/v1/tasks{query}", world.member)
        assert r.status_code == 200, r.json
        return sorted(t["id"] for t in r.json)

    assert ids("") == sorted([world.task_id, mine, solo])
    assert ids("?assignee=me") == [mine]
    assert ids(f"?assignee={world.member.id}") == [mine]
    assert ids("?done=true") == [world.task_id]
    assert ids("?done=false") == sorted([mine, solo])
    assert ids(f"?team={other_team}") == [solo]
    assert ids("?overdue=true") == []
    assert api.get("/api/v1/tasks?assignee=you", world.member).status_code == 422
    assert ids("") == sorted([world.task_id, mine, solo])
    assert api.get("/api/v1/tasks", world.admin).json and solo not in [
        t["id"] for t in api.get("/api/v1/tasks", world.admin).json
    ]


@pytest.fixture
def count_statements(app):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    yield statements
    event.remove(db.engine, "before_cursor_execute", before)


def test_task_list_has_no_n_plus_one(api, world, count_statements):
    for i in range(15):
        api.post(
            f"/api/v1/lists/{world.list_id}/tasks", world.admin, json={"title": f"T{i}", "assignee_id": world.member.id}
        )
    api.get("/api/v1/auth/me", world.member)  # the token's owner is cached now: both lists count the same
    count_statements.clear()
    r = api.get("/api/v1/tasks?page_size=5", world.member)
    small = len(count_statements)
    count_statements.clear()
    r = api.get("/api/v1/tasks?page_size=16", world.member)
    assert len(r.json) == 16
    assert len(count_statements) == small <= 4
    assert r.headers["X-Pagination"]


def test_later_deadline_clears_overdue(api, world):
    from app.teams.models import Task

    past = datetime.now(UTC) - timedelta(hours=1)
    task = db.session.get(Task, world.task_id)
    task.deadline, task.is_overdue = past, True
    db.session.commit()
    r = api.patch(
        f"/api/v1/tasks/{world.task_id}", world.member, json={"deadline": (past - timedelta(hours=1)).isoformat()}
    )
    assert r.json["is_overdue"] is True
    r = api.patch(
        f"/api/v1/tasks/{world.task_id}", world.member, json={"deadline": (past + timedelta(days=1)).isoformat()}
    )
    assert r.json["is_overdue"] is False
