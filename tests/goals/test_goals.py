"""Goals: fields, dates, days_left in the viewer's time zone, moving, archiving."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

GOAL_FIELDS = {
    "id",
    "title",
    "description",
    "category_id",
    "board_id",
    "status",
    "priority",
    "start_date",
    "due_date",
    "days_left",
    "author_id",
    "created_at",
    "updated_at",
}


def _freeze(monkeypatch, when: str) -> None:
    now = datetime.fromisoformat(when).astimezone(UTC)
    monkeypatch.setattr("app.common.timeutil.utcnow", lambda: now)
    monkeypatch.setattr("app.goals.services.utcnow", lambda: now)


def test_goal_fields_and_defaults(api, g, team):
    goal = g.goal(team.writer, team.category["id"], "  Read  ")
    assert set(goal) == GOAL_FIELDS
    assert goal["title"] == "Read" and goal["priority"] == "medium" and goal["status"] == "todo"
    assert goal["board_id"] == team.board["id"] and goal["author_id"] == team.writer.id
    assert goal["days_left"] is None and goal["description"] == ""


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        ("2030-01-09T13:59:59+00:00", "Asia/Vladivostok", 1),  # 23:59:59 on the 9th there
        ("2030-01-09T14:00:00+00:00", "Asia/Vladivostok", 0),  # midnight: the due day
        ("2030-01-09T14:00:00+00:00", "Europe/Moscow", 1),  # same instant, still the 9th in Moscow
        ("2030-01-10T20:59:59+00:00", "Europe/Moscow", 0),
        ("2030-01-10T21:00:00+00:00", "Europe/Moscow", -1),  # Moscow midnight: one day past
        ("2030-01-10T21:00:00+00:00", "America/New_York", 0),
        ("2030-01-13T12:00:00+00:00", "UTC", -3),
    ],
)
def test_days_left_follows_the_viewers_time_zone(api, team, monkeypatch, now, tz, expected):
    assert api.patch("/api/v1/auth/me", team.reader, json={"timezone": tz}).status_code == 200
    _freeze(monkeypatch, now)
    path = f"/api/v1/goals/{team.goal['id']}"
    assert api.get(path, team.reader).json["days_left"] == expected
    assert api.get("/api/v1/goals", team.reader).json[0]["days_left"] == expected


def test_days_left_differs_per_viewer(api, team, monkeypatch):
    api.patch("/api/v1/auth/me", team.reader, json={"timezone": "Asia/Vladivostok"})
    _freeze(monkeypatch, "2030-01-09T15:00:00+00:00")
    assert api.get(f"/api/v1/goals/{team.goal['id']}", team.reader).json["days_left"] == 0
    assert api.get(f"/api/v1/goals/{team.goal['id']}", team.owner).json["days_left"] == 1


def test_start_after_due_is_rejected_on_create_and_on_merged_patch(api, g, team):
    resp = api.post(
        "/api/v1/goals",
        team.owner,
        json={"title": "x", "category_id": team.category["id"], "start_date": "2030-02-01", "due_date": "2030-01-01"},
    )
    assert resp.status_code == 422 and "start_date" in resp.json["errors"]["json"]
    # the stored due_date is 2030-01-10: a later start alone breaks the rule
    resp = api.patch(f"/api/v1/goals/{team.goal['id']}", team.owner, json={"start_date": "2030-01-11"})
    assert resp.status_code == 422 and "start_date" in resp.json["errors"]["json"]
    ok = api.patch(f"/api/v1/goals/{team.goal['id']}", team.owner, json={"start_date": "2030-01-10"})
    assert ok.status_code == 200 and ok.json["start_date"] == "2030-01-10"
    assert api.patch(f"/api/v1/goals/{team.goal['id']}", team.owner, json={"due_date": "2030-01-09"}).status_code == 422
    assert api.get(f"/api/v1/goals/{team.goal['id']}", team.owner).json["due_date"] == "2030-01-10"


def test_delete_archives_and_the_row_stays(api, team):
    path = f"/api/v1/goals/{team.goal['id']}"
    assert api.delete(path, team.writer).status_code == 204
    assert api.get(path, team.owner).json["status"] == "archived"
    assert api.get("/api/v1/goals", team.owner).json == []
    assert [x["id"] for x in api.get("/api/v1/goals?status=archived", team.owner).json] == [team.goal["id"]]
    restored = api.patch(path, team.owner, json={"status": "todo"})
    assert restored.status_code == 200 and restored.json["status"] == "todo"


def test_deleted_category_cannot_receive_goals(api, g, team):
    spare = g.category(team.owner, team.board["id"], "Spare")
    api.delete(f"/api/v1/categories/{spare['id']}", team.owner)
    resp = api.post("/api/v1/goals", team.writer, json={"title": "x", "category_id": spare["id"]})
    assert resp.status_code == 422 and "category_id" in resp.json["errors"]["json"]
    moved = api.patch(f"/api/v1/goals/{team.goal['id']}", team.writer, json={"category_id": spare["id"]})
    assert moved.status_code == 422
    assert api.get(f"/api/v1/goals/{team.goal['id']}", team.writer).json["category_id"] == team.category["id"]


def test_moving_between_boards_needs_writer_on_both(api, g, team):
    other_board = g.board(team.writer, "Writer's own")
    target = g.category(team.writer, other_board["id"], "Mine")
    goal_path = f"/api/v1/goals/{team.goal['id']}"
    # the reader is only a reader on the shared board
    g.add(team.writer, other_board["id"], team.reader, "owner")
    assert api.patch(goal_path, team.reader, json={"category_id": target["id"]}).status_code == 403
    # the owner of the shared board is a stranger on the target board
    assert api.patch(goal_path, team.owner, json={"category_id": target["id"]}).status_code == 404
    moved = api.patch(goal_path, team.writer, json={"category_id": target["id"]})
    assert moved.status_code == 200 and moved.json["board_id"] == other_board["id"]
    assert api.get(goal_path, team.owner).status_code == 404  # it left the owner's board


def test_moving_to_a_board_where_i_only_read_is_forbidden(api, g, team):
    mine = g.board(team.reader, "Reader's")
    goal = g.goal(team.reader, g.category(team.reader, mine["id"])["id"], "Mine")
    resp = api.patch(f"/api/v1/goals/{goal['id']}", team.reader, json={"category_id": team.category["id"]})
    assert resp.status_code == 403
    assert api.get(f"/api/v1/goals/{goal['id']}", team.reader).json["board_id"] == mine["id"]


def test_overdue_is_not_client_writable_and_clears_when_the_date_moves(api, team, monkeypatch):
    from app.extensions import db
    from app.goals.services import mark_overdue_goals

    path = f"/api/v1/goals/{team.goal['id']}"
    assert api.patch(path, team.owner, json={"status": "overdue"}).status_code == 422
    mark_overdue_goals(datetime(2030, 2, 1, tzinfo=UTC))
    db.session.commit()
    _freeze(monkeypatch, "2030-02-01T12:00:00+00:00")
    assert api.get(path, team.owner).json["status"] == "overdue"
    assert api.patch(path, team.owner, json={"title": "Renamed"}).json["status"] == "overdue"
    assert api.patch(path, team.owner, json={"due_date": "2030-03-01"}).json["status"] == "todo"


def test_a_goal_is_created_by_one_statement_after_the_token_check(api, g, team, count_statements):
    """The permission check and the INSERT are one statement; the answer is the goal as GET shows it."""
    count_statements.clear()
    resp = api.post(
        "/api/v1/goals",
        team.writer,
        json={
            "title": "Ünïcode Title",
            "category_id": team.category["id"],
            "priority": "high",
            "due_date": "2030-01-02",
        },
    )
    assert resp.status_code == 201, resp.json
    assert [s.split()[0] for s in count_statements] == ["SELECT", "INSERT"], count_statements
    assert api.get(f"/api/v1/goals/{resp.json['id']}", team.writer).json == resp.json
    assert resp.json["created_at"] == resp.json["updated_at"] and resp.json["author_id"] == team.writer.id
    assert [goal["id"] for goal in g.goals(team.writer, "search=юникод")] == []
    assert [goal["id"] for goal in g.goals(team.writer, "search=ünïcode")] == [resp.json["id"]]


@pytest.mark.parametrize(("who", "status"), [("reader", 403), ("stranger", 404)])
def test_refused_creates_write_nothing(api, g, team, who, status):
    before = len(g.goals(team.owner))
    resp = api.post("/api/v1/goals", getattr(team, who), json={"title": "No", "category_id": team.category["id"]})
    assert resp.status_code == status
    assert len(g.goals(team.owner)) == before
