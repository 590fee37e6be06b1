"""The permission matrix: every board-scoped endpoint × owner, writer, reader, stranger → the exact status."""

from __future__ import annotations

import pytest

ROLES = ("owner", "writer", "reader", "stranger")


def _case(team, g, api, name):
    """(method, path, body) for one endpoint, with whatever extra objects it needs."""
    b, c, goal = team.board["id"], team.category["id"], team.goal["id"]
    if name == "participant_add":
        api.signup_and_login("newbie")
        return "POST", f"/api/v1/boards/{b}/participants", {"username": "newbie", "role": "reader"}
    if name in ("participant_patch", "participant_delete"):
        extra = api.signup_and_login("extra")
        g.add(team.owner, b, extra, "reader")
        path = f"/api/v1/boards/{b}/participants/{extra.id}"
        return ("PATCH", path, {"role": "writer"}) if name == "participant_patch" else ("DELETE", path, None)
    if name in ("comment_patch", "comment_delete"):
        comment = g.comment(team.writer, goal, "by the writer")
        path = f"/api/v1/comments/{comment['id']}"
        return ("PATCH", path, {"text": "edited"}) if name == "comment_patch" else ("DELETE", path, None)
    return {
        "board_get": ("GET", f"/api/v1/boards/{b}", None),
        "board_patch": ("PATCH", f"/api/v1/boards/{b}", {"title": "Renamed"}),
        "board_delete": ("DELETE", f"/api/v1/boards/{b}", None),
        "participants_get": ("GET", f"/api/v1/boards/{b}/participants", None),
        "category_post": ("POST", "/api/v1/categories", {"title": "New", "board_id": b}),
        "category_get": ("GET", f"/api/v1/categories/{c}", None),
        "category_patch": ("PATCH", f"/api/v1/categories/{c}", {"title": "Renamed"}),
        "category_delete": ("DELETE", f"/api/v1/categories/{c}", None),
        "goal_post": ("POST", "/api/v1/goals", {"title": "New", "category_id": c}),
        "goal_get": ("GET", f"/api/v1/goals/{goal}", None),
        "goal_patch": ("PATCH", f"/api/v1/goals/{goal}", {"title": "Renamed", "priority": "high"}),
        "goal_delete": ("DELETE", f"/api/v1/goals/{goal}", None),
        "comments_get": ("GET", f"/api/v1/goals/{goal}/comments", None),
        "comment_post": ("POST", f"/api/v1/goals/{goal}/comments", {"text": "Hi"}),
    }[name]


MATRIX = {
    #                     owner writer reader stranger
    "board_get": (200, 200, 200, 404),
    "board_patch": (200, 403, 403, 404),
    "board_delete": (204, 403, 403, 404),
    "participants_get": (200, 200, 200, 404),
    "participant_add": (201, 403, 403, 404),
    "participant_patch": (200, 403, 403, 404),
    "participant_delete": (204, 403, 403, 404),
    "category_post": (201, 201, 403, 404),
    "category_get": (200, 200, 200, 404),
    "category_patch": (200, 200, 403, 404),
    "category_delete": (204, 204, 403, 404),
    "goal_post": (201, 201, 403, 404),
    "goal_get": (200, 200, 200, 404),
    "goal_patch": (200, 200, 403, 404),
    "goal_delete": (204, 204, 403, 404),
    "comments_get": (200, 200, 200, 404),
    "comment_post": (201, 201, 403, 404),
    "comment_patch": (403, 200, 403, 404),
    "comment_delete": (403, 204, 403, 404),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix(api, g, team, name, role):
    method, path, body = _case(team, g, api, name)
    who = getattr(team, role)
    resp = api.client.open(path, method=method, headers=who.headers, json=body)
    expected = MATRIX[name][ROLES.index(role)]
    assert resp.status_code == expected, (name, role, resp.json)
    if expected >= 400:
        assert resp.json["code"] == expected
        assert "Shared" not in resp.get_data(as_text=True) and "Ship it" not in resp.get_data(as_text=True)


def test_refused_writes_change_nothing(api, g, team):
    """A 403/404 write leaves the row as it was."""
    goal = team.goal["id"]
    for who in (team.reader, team.stranger):
        api.patch(f"/api/v1/goals/{goal}", who, json={"title": "Hacked"})
        api.delete(f"/api/v1/goals/{goal}", who)
        api.patch(f"/api/v1/boards/{team.board['id']}", who, json={"title": "Hacked"})
    assert api.get(f"/api/v1/goals/{goal}", team.owner).json["title"] == "Ship it"
    assert api.get(f"/api/v1/goals/{goal}", team.owner).json["status"] == "todo"
    assert api.get(f"/api/v1/boards/{team.board['id']}", team.owner).json["title"] == "Shared"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/boards",
        "/api/v1/categories",
        "/api/v1/goals",
        "/api/v1/goals?status=archived",
        "/api/v1/goals/export?format=json",
        "/api/v1/goals/export?format=csv",
    ],
)
def test_strangers_see_no_data_in_lists(api, g, team, path):
    g.comment(team.writer, team.goal["id"], "secret note")
    target = path + ("&" if "?" in path else "?") + f"board={team.board['id']}"
    for url in (path, target):
        resp = api.get(url, team.stranger)
        assert resp.status_code == 200
        text = resp.get_data(as_text=True)
        assert "Shared" not in text and "Ship it" not in text and "Work" not in text
    assert api.get("/api/v1/boards", team.stranger).json[0]["title"] == "Personal"


def test_every_role_sees_the_shared_goal(api, team):
    for who in (team.owner, team.writer, team.reader):
        assert [goal["id"] for goal in api.get("/api/v1/goals", who).json] == [team.goal["id"]]


def test_writer_may_work_in_a_category_someone_else_created(api, g, team):
    goal = g.goal(team.writer, team.category["id"], "Writer's goal")
    assert goal["author_id"] == team.writer.id
    resp = api.patch(f"/api/v1/goals/{team.goal['id']}", team.writer, json={"status": "done"})
    assert resp.status_code == 200 and resp.json["status"] == "done"


def test_comment_author_only_and_readers_read(api, g, team):
    comment = g.comment(team.owner, team.goal["id"], "owner's note")
    assert api.patch(f"/api/v1/comments/{comment['id']}", team.writer, json={"text": "x"}).status_code == 403
    listed = api.get(f"/api/v1/goals/{team.goal['id']}/comments", team.reader).json
    assert [c["text"] for c in listed] == ["owner's note"]
    resp = api.patch(f"/api/v1/comments/{comment['id']}", team.owner, json={"text": "edited"})
    assert resp.status_code == 200 and resp.json["text"] == "edited" and resp.json["author_username"] == "olga"
