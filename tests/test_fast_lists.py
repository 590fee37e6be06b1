"""The hot lists render their rows without the schema (app.common.json.RowsResponse): what they answer must be
what the schema dumps for the same objects, field for field and byte format for byte format."""

from __future__ import annotations

import marshmallow as ma
import pytest

from app.common.json import RowsResponse
from app.goals.schemas import GoalSchema
from app.habits.schemas import HabitSchema
from app.teams.schemas import TaskSchema
from tests.teams.conftest import make_team


def test_the_goal_list_answers_what_the_goal_schema_dumps(api, user):
    board = api.get("/api/v1/boards", user).json[0]["id"]
    category = api.post("/api/v1/categories", user, json={"title": "Home", "board_id": board}).json["id"]
    shapes = [
        {"title": "Plain"},
        {"title": "Dated", "description": 'ünïcode ✓ "quoted"', "priority": "critical", "due_date": "2027-03-01"},
        {"title": "Ranged", "status": "in_progress", "start_date": "2026-01-02", "due_date": "2026-02-03"},
        {"title": "Done low", "status": "done", "priority": "low"},
    ]
    for body in shapes:
        assert api.post("/api/v1/goals", user, json={"category_id": category, **body}).status_code == 201
    listed = api.get("/api/v1/goals?status=todo&status=in_progress&status=done&page_size=10", user)
    assert listed.status_code == 200
    assert listed.headers["X-Pagination"]  # still paged like every list
    assert len(listed.json) == len(shapes)
    for item in listed.json:
        one = api.get(f"/api/v1/goals/{item['id']}", user)  # dumped by GoalSchema
        assert item == one.json
        assert set(item) == set(GoalSchema().dump_fields)


def test_the_task_list_answers_what_the_task_schema_dumps(api, user, other_user):
    team = make_team(api, user, other_user)
    list_id = api.post(f"/api/v1/teams/{team}/lists", user, json={"name": "Backlog"}).json["id"]
    bodies = [
        {"title": "Bare"},
        {"title": "Due", "description": "with ✓", "deadline": "2027-01-02T03:04:05.678+03:00"},
        {"title": "Assigned", "assignee_id": other_user.id, "deadline": "2027-05-06T07:08:09Z"},
    ]
    ids = []
    for body in bodies:
        created = api.post(f"/api/v1/lists/{list_id}/tasks", user, json=body)
        assert created.status_code == 201, created.json
        ids.append(created.json["id"])
    assert api.post(f"/api/v1/tasks/{ids[0]}/done", user).status_code == 200  # done_at set
    listed = api.get(f"/api/v1/lists/{list_id}/tasks", user)
    assert listed.status_code == 200 and listed.headers["X-Pagination"]
    assert [item["id"] for item in listed.json] == ids
    for item in listed.json:
        one = api.get(f"/api/v1/tasks/{item['id']}", user)  # dumped by TaskSchema
        assert item == one.json
        assert set(item) == set(TaskSchema().dump_fields)


def test_the_habit_list_answers_what_the_habit_schema_dumps(api, user):
    from datetime import date, timedelta

    bodies = [
        {"action": "read", "place": "home", "time": "07:05", "periodicity_days": 1, "duration_seconds": 60},
        {
            "action": "ünïcode ✓",
            "place": "park",
            "time": "23:59",
            "periodicity_days": 3,
            "duration_seconds": 120,
            "is_public": True,
        },
        {
            "action": "pleasant",
            "place": "bath",
            "time": "00:00",
            "periodicity_days": 7,
            "duration_seconds": 30,
            "is_pleasant": True,
        },
    ]
    ids = []
    for body in bodies:
        created = api.post("/api/v1/habits", user, json=body)
        assert created.status_code == 201, created.json
        ids.append(created.json["id"])
    today = api.post(f"/api/v1/habits/{ids[0]}/completions", user, json={})  # today in my zone
    assert today.status_code == 201
    yesterday = (date.fromisoformat(today.json["date"]) - timedelta(days=1)).isoformat()
    assert api.post(f"/api/v1/habits/{ids[0]}/completions", user, json={"date": yesterday}).status_code == 201
    assert api.post(f"/api/v1/habits/{ids[1]}/skips", user, json={}).status_code == 201  # skipped today
    listed = api.get("/api/v1/habits?page_size=10", user)
    assert listed.status_code == 200 and listed.headers["X-Pagination"]
    assert [item["id"] for item in listed.json] == ids
    assert listed.json[0]["current_streak"] == 2 and listed.json[0]["done_today"] is True
    assert listed.json[1]["skipped_today"] is True
    for item in listed.json:
        one = api.get(f"/api/v1/habits/{item['id']}", user)  # dumped by HabitSchema
        assert item == one.json
        assert set(item) == set(HabitSchema().dump_fields)


@pytest.mark.parametrize(
    "field",
    [
        ma.fields.Function(lambda obj: obj),
        ma.fields.Nested(GoalSchema),
        ma.fields.Float(),
        ma.fields.Decimal(),
        ma.fields.DateTime(format="%d.%m.%Y"),
        ma.fields.Date(format="%d.%m.%Y"),
        ma.fields.Integer(data_key="renamed"),
        ma.fields.String(attribute="other"),
    ],
)
def test_a_schema_field_the_rows_cannot_render_as_is_is_refused_at_import(field):
    schema = ma.Schema.from_dict({"id": ma.fields.Integer(), "shown": field})
    with pytest.raises(TypeError, match="shown"):
        RowsResponse(schema)
