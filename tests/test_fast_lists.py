"""The hot lists render their rows without the schema (app.common.json.RowsResponse): what they answer must be
what the schema dumps for the same objects, field for field and byte format for byte format."""

from __future__ import annotations

import marshmallow as ma
import orjson
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
        ma.fields.Nested(GoalSchema, many=True),
        ma.fields.Nested(ma.Schema.from_dict({"ratio": ma.fields.Float()})),
        ma.fields.Nested(ma.Schema.from_dict({"when": ma.fields.Date(data_key="on")})),
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


def test_the_profile_renders_as_its_schema_dumps_it(app, api, user):
    """GET /auth/me (nested telegram and calendar_feed included) is byte for byte UserSchema's dump."""
    from app.auth import services
    from app.auth.models import User
    from app.auth.schemas import UserSchema
    from app.extensions import db
    from app.notify.models import TelegramLink

    db.session.add(TelegramLink(user_id=user.id, chat_id=515151, username="käthe"))
    db.session.flush()
    assert api.post("/api/v1/calendar/feed-token", user).status_code == 200
    resp = api.get("/api/v1/auth/me", user)
    assert resp.status_code == 200 and resp.content_type == "application/json"
    with app.test_request_context():
        expected = UserSchema().dump(services.profile(db.session.get(User, user.id)))
    assert resp.get_data() == orjson.dumps(expected, option=orjson.OPT_SORT_KEYS)
    assert resp.json["telegram"] == {"linked": True, "username": "käthe"} and resp.json["calendar_feed"]["active"]


# --- the hot pages (app.common.pagination.HotPage): the same pages, headers and errors as `paginate` -----------


@pytest.fixture
def own_statements(app):
    """The SQL statements each request sends besides the token's session check (app.auth.tokens._OWNER)."""
    from sqlalchemy import event

    from app.auth.tokens import _OWNER
    from app.extensions import db

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        harness = statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))  # the suite's own
        if not harness and statement != getattr(_OWNER, "sql", None):  # compiled on its first run
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    event.remove(db.engine, "before_cursor_execute", record)


def _same_pages(api, who, hot: str, generic: str, pages: range, sizes: tuple[int, ...]) -> None:
    """Every page of the hot list answers what the list the schema dumps through `paginate` answers."""
    for size in sizes:
        for page in pages:
            query = f"page_size={size}&page={page}"
            got = api.get(f"{hot}{'&' if '?' in hot else '?'}{query}", who)
            expected = api.get(f"{generic}{'&' if '?' in generic else '?'}{query}", who)
            assert got.status_code == expected.status_code == 200, (got.json, expected.json)
            assert got.data == expected.data, (size, page)
            assert got.headers["X-Pagination"] == expected.headers["X-Pagination"], (size, page)


def test_every_page_of_a_list_s_tasks_is_the_generic_list_s_page(api, user, other_user, own_statements):
    team = make_team(api, user, other_user)
    list_id = api.post(f"/api/v1/teams/{team}/lists", user, json={"name": "Only list"}).json["id"]
    for n in range(7):
        body = {"title": f"T{n}", "assignee_id": other_user.id if n % 2 else None}
        if n % 3 == 0:
            body["deadline"] = f"2027-01-0{n + 1}T10:00:00+02:00"
        assert api.post(f"/api/v1/lists/{list_id}/tasks", user, json=body).status_code == 201
    # The team's only list: /tasks?team= (paginate + TaskSchema) holds the same tasks in the same order.
    _same_pages(api, other_user, f"/api/v1/lists/{list_id}/tasks", f"/api/v1/tasks?team={team}", range(1, 6), (1, 3, 7))
    own_statements.clear()
    assert len(api.get(f"/api/v1/lists/{list_id}/tasks?page_size=3&page=3", other_user).json) == 1
    assert len(own_statements) == 1  # the page, its total and the membership check in one statement
    own_statements.clear()
    past = api.get(f"/api/v1/lists/{list_id}/tasks?page_size=3&page=4", other_user)
    assert past.json == [] and '"total": 7' in past.headers["X-Pagination"]
    assert len(own_statements) == 1  # past the end: the same statement, its COUNT run only then


def test_a_list_s_tasks_stay_hidden_from_a_stranger(api, user, other_user, own_statements):
    stranger = api.signup_and_login("eve")
    team = make_team(api, user, other_user)
    list_id = api.post(f"/api/v1/teams/{team}/lists", user, json={"name": "Secret"}).json["id"]
    empty = api.post(f"/api/v1/teams/{team}/lists", user, json={"name": "Empty"}).json["id"]
    assert api.post(f"/api/v1/lists/{list_id}/tasks", user, json={"title": "Hidden"}).status_code == 201
    for path in (list_id, empty, 999_999_999):
        for query in ("", "?page=2", "?page=1000000000000000"):
            own_statements.clear()
            refused = api.get(f"/api/v1/lists/{path}/tasks{query}", stranger)
            assert refused.status_code == 404 and refused.json["message"] == "Task list not found.", refused.json
            assert "X-Pagination" not in refused.headers
            assert len(own_statements) == 1  # the page, the count and the membership check: one statement
    own_statements.clear()
    mine = api.get(f"/api/v1/lists/{empty}/tasks", other_user)  # a visible empty list is an empty page
    assert mine.status_code == 200 and mine.json == [] and '"total": 0' in mine.headers["X-Pagination"]
    assert len(own_statements) == 1
    assert api.get(f"/api/v1/lists/{list_id}/tasks?page=0", stranger).status_code == 422  # parsing comes first


def test_every_page_of_my_habits_is_the_generic_list_s_page(api, user, other_user, own_statements):
    from datetime import date, timedelta

    assert api.patch("/api/v1/auth/me", user, json={"timezone": "Pacific/Kiritimati"}).status_code == 200
    ids = []
    for n in range(7):
        body = {"action": f"a{n}", "place": "p", "time": f"0{n}:3{n}", "duration_seconds": 60, "is_public": True}
        body["periodicity_days"] = 1 + n % 3
        created = api.post("/api/v1/habits", user, json=body)
        assert created.status_code == 201, created.json
        ids.append(created.json["id"])
    other = {"action": "x", "place": "p", "time": "07:00", "duration_seconds": 60}  # private: not on either list
    assert api.post("/api/v1/habits", other_user, json=other).status_code == 201
    today = date.fromisoformat(api.post(f"/api/v1/habits/{ids[0]}/completions", user, json={}).json["date"])
    for habit, days in ((ids[0], (1, 2, 5)), (ids[1], (0, 3)), (ids[2], (1, 2, 3, 4, 7, 8))):
        for back in days:
            logged = api.post(f"/api/v1/habits/{habit}/completions", user, json={"date": str(today - timedelta(back))})
            assert logged.status_code in (200, 201)
    assert api.post(f"/api/v1/habits/{ids[3]}/skips", user, json={}).status_code == 201
    assert api.post(f"/api/v1/habits/{ids[2]}/skips", user, json={"date": str(today - timedelta(5))}).status_code
    # Every habit here is mine and public: /habits/public (paginate, attach_streaks, HabitSchema) lists the same.
    _same_pages(api, user, "/api/v1/habits", "/api/v1/habits/public", range(1, 5), (2, 5, 7))
    assert [h["current_streak"] for h in api.get("/api/v1/habits?page_size=7", user).json][:4] != [0, 0, 0, 0]
    own_statements.clear()
    assert len(api.get("/api/v1/habits?page=2", user).json) == 2
    assert len(own_statements) == 1  # the page, its total and its streaks in one statement
    own_statements.clear()
    past = api.get("/api/v1/habits?page=3", user)
    assert past.json == [] and '"total": 7' in past.headers["X-Pagination"]
    assert len(own_statements) == 1  # past the end: the same statement, its COUNT run only then
    nothing = api.get("/api/v1/habits", other_user)
    assert len(nothing.json) == 1 and '"total": 1' in nothing.headers["X-Pagination"]
