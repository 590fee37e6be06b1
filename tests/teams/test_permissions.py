"""Who may do what: admin, member and stranger against every route, with exact status codes."""

from __future__ import annotations

import pytest


def routes(w):
    t, li, k = w.team_id, w.list_id, w.task_id
    return [
        ("GET", f"/api/v1/teams/{t}", None),
        ("PATCH", f"/api/v1/teams/{t}", {"name": "New"}),
        ("GET", f"/api/v1/teams/{t}/members", None),
        ("POST", f"/api/v1/teams/{t}/members", {"username": "zed", "role": "member"}),
        ("GET", f"/api/v1/teams/{t}/lists", None),
        ("POST", f"/api/v1/teams/{t}/lists", {"name": "L2"}),
        ("GET", f"/api/v1/lists/{li}", None),
        ("PATCH", f"/api/v1/lists/{li}", {"name": "Renamed"}),
        ("GET", f"/api/v1/lists/{li}/tasks", None),
        ("POST", f"/api/v1/lists/{li}/tasks", {"title": "T2"}),
        ("GET", f"/api/v1/tasks/{k}", None),
        ("PATCH", f"/api/v1/tasks/{k}", {"title": "Edited"}),
        ("POST", f"/api/v1/tasks/{k}/done", None),
        ("POST", f"/api/v1/tasks/{k}/reopen", None),
        ("DELETE", f"/api/v1/tasks/{k}", None),
        ("DELETE", f"/api/v1/lists/{li}", None),
        ("DELETE", f"/api/v1/teams/{t}", None),
    ]


# (admin, member, stranger) expected codes, in the order of routes() above.
EXPECTED = [
    (200, 200, 404),
    (200, 403, 404),
    (200, 200, 404),
    (201, 403, 404),
    (200, 200, 404),
    (201, 201, 404),
    (200, 200, 404),
    (200, 403, 404),
    (200, 200, 404),
    (201, 201, 404),
    (200, 200, 404),
    (200, 200, 404),
    (200, 200, 404),
    (200, 200, 404),
    (204, 403, 404),
    (204, 403, 404),
    (204, 403, 404),
]


@pytest.mark.parametrize("who", ["admin", "member", "stranger"])
def test_permission_matrix(api, world, who):
    api.signup_and_login("zed")
    session = getattr(world, who)
    column = ["admin", "member", "stranger"].index(who)
    got = []
    for method, path, body in routes(world):
        response = api._call(method, path, session, json=body)
        got.append(response.status_code)
        if response.status_code >= 400:
            assert set(response.json) >= {"code", "status", "message"}
        if who == "stranger":
            assert "Ship it" not in response.get_data(as_text=True)
    assert got == [row[column] for row in EXPECTED]


def test_without_token_every_route_is_401(api, world):
    for method, path, body in routes(world):
        assert api._call(method, path, None, json=body).status_code == 401


def test_member_may_leave_and_admin_may_remove(api, world):
    assert api.delete(f"/api/v1/teams/{world.team_id}/members/{world.member.id}", world.member).status_code == 204
    assert api.get(f"/api/v1/teams/{world.team_id}", world.member).status_code == 404
    api.post(f"/api/v1/teams/{world.team_id}/members", world.admin, json={"username": "max", "role": "member"})
    assert api.delete(f"/api/v1/teams/{world.team_id}/members/{world.member.id}", world.admin).status_code == 204


def test_member_cannot_remove_someone_else(api, world):
    r = api.delete(f"/api/v1/teams/{world.team_id}/members/{world.admin.id}", world.member)
    assert r.status_code == 403
    r = api.delete(f"/api/v1/teams/{world.team_id}/members/{world.member.id}", world.stranger)
    assert r.status_code == 404


def test_last_admin_cannot_leave_be_removed_or_demoted(api, world):
    base = f"/api/v1/teams/{world.team_id}/members"
    assert api.delete(f"{base}/{world.admin.id}", world.admin).status_code == 409
    assert api.patch(f"{base}/{world.admin.id}", world.admin, json={"role": "member"}).status_code == 409
    assert api.patch(f"{base}/{world.member.id}", world.admin, json={"role": "admin"}).status_code == 200
    assert api.patch(f"{base}/{world.admin.id}", world.admin, json={"role": "member"}).status_code == 200
    assert api.delete(f"{base}/{world.member.id}", world.member).status_code == 409


def test_member_cannot_change_roles(api, world):
    r = api.patch(f"/api/v1/teams/{world.team_id}/members/{world.member.id}", world.member, json={"role": "admin"})
    assert r.status_code == 403


def test_adding_an_existing_member_conflicts(api, world):
    r = api.post(f"/api/v1/teams/{world.team_id}/members", world.admin, json={"username": "MAX", "role": "member"})
    assert r.status_code == 409


def test_adding_unknown_user_or_bad_role_is_422(api, world):
    base = f"/api/v1/teams/{world.team_id}/members"
    r = api.post(base, world.admin, json={"username": "nobody", "role": "member"})
    assert r.status_code == 422 and "username" in r.json["errors"]["json"]
    r = api.post(base, world.admin, json={"username": "eve", "role": "owner"})
    assert r.status_code == 422 and "role" in r.json["errors"]["json"]


def test_list_creator_may_edit_own_list(api, world):
    own = api.post(f"/api/v1/teams/{world.team_id}/lists", world.member, json={"name": "Mine"}).json["id"]
    assert api.patch(f"/api/v1/lists/{own}", world.member, json={"name": "Still mine"}).status_code == 200
    assert api.delete(f"/api/v1/lists/{own}", world.member).status_code == 204


def test_task_creator_may_delete_own_task(api, world):
    own = api.post(f"/api/v1/lists/{world.list_id}/tasks", world.member, json={"title": "Mine"}).json["id"]
    assert api.delete(f"/api/v1/tasks/{own}", world.member).status_code == 204


def test_stranger_sees_no_teams_or_tasks_in_lists(api, world):
    assert api.get("/api/v1/teams", world.stranger).json == []
    assert api.get("/api/v1/tasks", world.stranger).json == []
    assert api.get(f"/api/v1/tasks?team={world.team_id}", world.stranger).json == []
