"""Domain views: every page renders for a superuser, and the actions keep the API's rules."""

from __future__ import annotations

import pytest

from app.habits.models import Habit
from app.teams.models import TeamMember
from tests.admin.conftest import csrf_from

SCHEDULE = "rq:scheduler:scheduled_jobs"
HABIT = {"action": "stretch", "place": "home", "time": "07:30", "periodicity_days": 1, "duration_seconds": 60}
PAGES = [
    "/admin/habits/",
    "/admin/habit_completions/",
    "/admin/teams/",
    "/admin/team_members/",
    "/admin/task_lists/",
    "/admin/tasks/",
    "/admin/telegram_links/",
    "/admin/sessions/",
]


@pytest.fixture
def habits(api, user):
    pleasant = api.post("/api/v1/habits", user, json={**HABIT, "action": "coffee", "is_pleasant": True}).json
    linked = api.post(
        "/api/v1/habits", user, json={**HABIT, "related_habit_id": pleasant["id"], "is_public": True}
    ).json
    api.post(f"/api/v1/habits/{linked['id']}/completions", user, json={})
    return pleasant, linked


@pytest.fixture
def team(api, user, other_user):
    team_id = api.post("/api/v1/teams", user, json={"name": "Crew"}).json["id"]
    api.post(f"/api/v1/teams/{team_id}/members", user, json={"username": "mallory", "role": "member"})
    list_id = api.post(f"/api/v1/teams/{team_id}/lists", user, json={"name": "Todo"}).json["id"]
    api.post(f"/api/v1/lists/{list_id}/tasks", user, json={"title": "Ship it", "assignee_id": other_user.id})
    return team_id


def _action(client, path: str, action: str, *ids: str):
    page = client.get(path)
    return client.post(
        f"{path}action/", data={"action": action, "rowid": list(ids), "csrf_token": csrf_from(page.text)}
    )


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_and_filters_work(admin_client, habits, team, path):
    response = admin_client.get(path)
    assert response.status_code == 200, path
    assert "$argon2" not in response.text


def test_habit_filters_and_details(admin_client, habits):
    pleasant, linked = habits
    assert "coffee" in admin_client.get("/admin/habits/?search=coff").text
    details = admin_client.get(f"/admin/habits/details/?id={linked['id']}")
    assert details.status_code == 200 and "alice" in details.text


def test_deleting_a_pleasant_habit_clears_links(admin_client, api, user, habits):
    pleasant, linked = habits
    assert _action(admin_client, "/admin/habits/", "delete_habits", str(pleasant["id"])).status_code == 302
    assert api.get(f"/api/v1/habits/{pleasant['id']}", user).status_code == 404
    assert api.get(f"/api/v1/habits/{linked['id']}", user).json["related_habit_id"] is None


def test_habits_are_read_only(admin_client, habits):
    _, linked = habits
    assert admin_client.get(f"/admin/habits/edit/?id={linked['id']}").status_code == 302  # edit is off
    assert admin_client.get("/admin/habits/new/").status_code == 302
    from app.extensions import db

    assert db.session.get(Habit, linked["id"]).related_habit_id is not None


def test_the_last_team_admin_cannot_be_removed(admin_client, api, user, team):
    response = _action(admin_client, "/admin/team_members/", "remove_members", f"{team},{user.id}")
    assert response.status_code == 302
    follow = admin_client.get("/admin/team_members/")
    assert "last admin" in follow.text
    from app.extensions import db

    assert db.session.get(TeamMember, (team, user.id)) is not None


def test_removing_a_member_unassigns_their_tasks(admin_client, api, user, other_user, team):
    _action(admin_client, "/admin/team_members/", "remove_members", f"{team},{other_user.id}")
    tasks = api.get(f"/api/v1/tasks?team={team}", user).json
    assert tasks and all(t["assignee_id"] is None for t in tasks)


@pytest.fixture
def board(api, user, other_user):
    board_id = api.post("/api/v1/boards", user, json={"title": "Plans"}).json["id"]
    api.post(f"/api/v1/boards/{board_id}/participants", user, json={"username": "mallory", "role": "writer"})
    category_id = api.post("/api/v1/categories", user, json={"title": "Health", "board_id": board_id}).json["id"]
    goal = api.post(
        "/api/v1/goals",
        other_user,
        json={"title": "Run a marathon", "category_id": category_id, "priority": "high", "due_date": "2030-01-01"},
    ).json
    api.post(f"/api/v1/goals/{goal['id']}/comments", user, json={"text": "go go go"})
    return board_id, goal["id"]


@pytest.mark.parametrize(
    "path", ["/admin/boards/", "/admin/board_participants/", "/admin/categories/", "/admin/goals/", "/admin/comments/"]
)
def test_goal_pages_render(admin_client, board, path):
    assert admin_client.get(path).status_code == 200


def test_goal_search_and_filters(admin_client, board):
    board_id, goal_id = board
    assert "Run a marathon" in admin_client.get("/admin/goals/?search=marath").text
    page = admin_client.get("/admin/goals/")
    assert page.status_code == 200
    details = admin_client.get(f"/admin/boards/details/?id={board_id}")
    assert "alice — owner" in details.text and "mallory — writer" in details.text


def test_archive_goal_through_the_service(admin_client, api, user, board):
    _, goal_id = board
    _action(admin_client, "/admin/goals/", "archive_goals", str(goal_id))
    assert api.get(f"/api/v1/goals/{goal_id}", user).json["status"] == "archived"


def test_the_last_board_owner_cannot_be_removed(admin_client, api, user, board):
    from app.extensions import db
    from app.goals.models import BoardParticipant

    board_id, _ = board
    owner_row = db.session.query(BoardParticipant).filter_by(board_id=board_id, user_id=user.id).one()
    _action(admin_client, "/admin/board_participants/", "remove_participants", str(owner_row.id))
    assert "at least one owner" in admin_client.get("/admin/board_participants/").text
    assert api.get(f"/api/v1/boards/{board_id}", user).status_code == 200


def test_deleting_a_habit_cancels_its_reminder(admin_client, habits, redis_client):
    """The admin calls the same service as the API, and the service cancels the reminder job."""
    _pleasant, linked = habits
    job = f"habit-reminder-{linked['id']}"
    assert redis_client.zscore(SCHEDULE, job) is not None
    assert _action(admin_client, "/admin/habits/", "delete_habits", str(linked["id"])).status_code == 302
    assert redis_client.zscore(SCHEDULE, job) is None
    assert not redis_client.exists(f"rq:job:{job}")
