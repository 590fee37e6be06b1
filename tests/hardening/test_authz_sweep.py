"""Authorization sweep generated from the route table.

Every route of `app.url_map` must have an entry below: routes with an object id list the exact status each
role gets; routes without one say why they are out of scope (`NO_OBJECT`). A new route without an entry fails
`test_every_route_has_an_expectation`, so nobody can add an endpoint and skip its access check.
Roles: boards owner/writer/reader/stranger; teams admin/member/stranger; habits owner/stranger.
A stranger always gets 404 (the object's existence is not revealed) and an envelope without data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from flask import Flask

from app import create_app
from app.auth.services import create_user, start_session
from app.config import TestConfig
from app.web.routes import CLIENT_ROUTES

IGNORED_METHODS = {"HEAD", "OPTIONS"}

# Routes without an object id in the path, or not JSON REST (sockets check their own 4403, tested in
# tests/realtime): covered by the fuzzer (401 without a token) and their domain tests (lists show only
# what the caller may see).
NO_OBJECT = {
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/auth/me",
    "/api/v1/auth/me/password",
    "/api/v1/auth/refresh",
    "/api/v1/auth/signup",
    "/api/v1/auth/vk/callback",
    "/api/v1/auth/vk/link",
    "/api/v1/auth/vk/login",
    "/api/v1/auth/vk/status",
    "/api/v1/boards",
    "/api/v1/bot/link",
    "/api/v1/bot/link-token",
    "/api/v1/bot/status",
    "/api/v1/bot/verify",
    "/api/v1/calendar/feed-token",
    "/api/v1/calendar/feed.ics",
    "/api/v1/categories",
    "/api/v1/goals",
    "/api/v1/goals/export",
    "/api/v1/habits",
    "/api/v1/habits/public",
    "/api/v1/tasks",
    "/api/v1/teams",
    "/docs",
    "/docs-assets/<path:filename>",
    "/healthz",
    "/openapi.json",
    "/readyz",
    "/redoc",
    "/static/<path:filename>",
    "/ws/teams/<int:team_id>",
    "/ws/user",
}

BOARD = ("owner", "writer", "reader", "stranger")
TEAM = ("admin", "member", "stranger")
HABIT = ("owner", "stranger")


def _b(owner, writer, reader):
    return dict(zip(BOARD, (owner, writer, reader, 404), strict=True))


def _t(admin, member):
    return dict(zip(TEAM, (admin, member, 404), strict=True))


def _h(owner):
    return {"owner": owner, "stranger": 404}


# (METHOD, rule) -> (path template filled from the world, JSON body or None, {role: status})
EXPECTED: dict[tuple[str, str], tuple[str, dict | None, dict[str, int]]] = {
    ("GET", "/api/v1/boards/<int:board_id>"): ("/api/v1/boards/{board}", None, _b(200, 200, 200)),
    ("PATCH", "/api/v1/boards/<int:board_id>"): ("/api/v1/boards/{board}", {"title": "T"}, _b(200, 403, 403)),
    ("DELETE", "/api/v1/boards/<int:board_id>"): ("/api/v1/boards/{board}", None, _b(204, 403, 403)),
    ("GET", "/api/v1/boards/<int:board_id>/participants"): (
        "/api/v1/boards/{board}/participants",
        None,
        _b(200, 200, 200),
    ),
    ("POST", "/api/v1/boards/<int:board_id>/participants"): (
        "/api/v1/boards/{board}/participants",
        {"username": "sweep_newcomer", "role": "reader"},
        _b(201, 403, 403),
    ),
    ("PATCH", "/api/v1/boards/<int:board_id>/participants/<int:user_id>"): (
        "/api/v1/boards/{board}/participants/{extra}",
        {"role": "writer"},
        _b(200, 403, 403),
    ),
    ("DELETE", "/api/v1/boards/<int:board_id>/participants/<int:user_id>"): (
        "/api/v1/boards/{board}/participants/{extra}",
        None,
        _b(204, 403, 403),
    ),
    ("GET", "/api/v1/categories/<int:category_id>"): ("/api/v1/categories/{category}", None, _b(200, 200, 200)),
    ("PATCH", "/api/v1/categories/<int:category_id>"): (
        "/api/v1/categories/{category}",
        {"title": "C"},
        _b(200, 200, 403),
    ),
    ("DELETE", "/api/v1/categories/<int:category_id>"): ("/api/v1/categories/{category}", None, _b(204, 204, 403)),
    ("GET", "/api/v1/goals/<int:goal_id>"): ("/api/v1/goals/{goal}", None, _b(200, 200, 200)),
    ("PATCH", "/api/v1/goals/<int:goal_id>"): ("/api/v1/goals/{goal}", {"title": "G"}, _b(200, 200, 403)),
    ("DELETE", "/api/v1/goals/<int:goal_id>"): ("/api/v1/goals/{goal}", None, _b(204, 204, 403)),
    ("GET", "/api/v1/goals/<int:goal_id>/comments"): ("/api/v1/goals/{goal}/comments", None, _b(200, 200, 200)),
    ("POST", "/api/v1/goals/<int:goal_id>/comments"): (
        "/api/v1/goals/{goal}/comments",
        {"text": "hi"},
        _b(201, 201, 403),
    ),
    # Only the comment's author (the writer here) edits or deletes it.
    ("PATCH", "/api/v1/comments/<int:comment_id>"): ("/api/v1/comments/{comment}", {"text": "x"}, _b(403, 200, 403)),
    ("DELETE", "/api/v1/comments/<int:comment_id>"): ("/api/v1/comments/{comment}", None, _b(403, 204, 403)),
    ("GET", "/api/v1/habits/<int:habit_id>"): ("/api/v1/habits/{habit}", None, _h(200)),
    ("PUT", "/api/v1/habits/<int:habit_id>"): (
        "/api/v1/habits/{habit}",
        {"action": "read", "place": "home", "time": "08:00", "duration_seconds": 30},
        _h(200),
    ),
    ("PATCH", "/api/v1/habits/<int:habit_id>"): ("/api/v1/habits/{habit}", {"place": "park"}, _h(200)),
    ("DELETE", "/api/v1/habits/<int:habit_id>"): ("/api/v1/habits/{habit}", None, _h(204)),
    ("GET", "/api/v1/habits/<int:habit_id>/completions"): ("/api/v1/habits/{habit}/completions", None, _h(200)),
    ("POST", "/api/v1/habits/<int:habit_id>/completions"): ("/api/v1/habits/{habit}/completions", {}, _h(201)),
    # Past dates: today's completion above must not collide with the skip (a day is done or skipped).
    ("DELETE", "/api/v1/habits/<int:habit_id>/completions/<string(maxlength=10):day>"): (
        "/api/v1/habits/{habit}/completions/2020-01-02",
        None,
        _h(204),
    ),
    ("GET", "/api/v1/habits/<int:habit_id>/skips"): ("/api/v1/habits/{habit}/skips", None, _h(200)),
    ("POST", "/api/v1/habits/<int:habit_id>/skips"): ("/api/v1/habits/{habit}/skips", {"date": "2020-01-01"}, _h(201)),
    ("DELETE", "/api/v1/habits/<int:habit_id>/skips/<string(maxlength=10):day>"): (
        "/api/v1/habits/{habit}/skips/2020-01-01",
        None,
        _h(204),
    ),
    ("GET", "/api/v1/habits/<int:habit_id>/stats"): ("/api/v1/habits/{habit}/stats", None, _h(200)),
    ("GET", "/api/v1/teams/<int:team_id>"): ("/api/v1/teams/{team}", None, _t(200, 200)),
    ("PATCH", "/api/v1/teams/<int:team_id>"): ("/api/v1/teams/{team}", {"name": "N"}, _t(200, 403)),
    ("DELETE", "/api/v1/teams/<int:team_id>"): ("/api/v1/teams/{team}", None, _t(204, 403)),
    ("GET", "/api/v1/teams/<int:team_id>/members"): ("/api/v1/teams/{team}/members", None, _t(200, 200)),
    ("POST", "/api/v1/teams/<int:team_id>/members"): (
        "/api/v1/teams/{team}/members",
        {"username": "sweep_newcomer", "role": "member"},
        _t(201, 403),
    ),
    ("PATCH", "/api/v1/teams/<int:team_id>/members/<int:user_id>"): (
        "/api/v1/teams/{team}/members/{extra}",
        {"role": "admin"},
        _t(200, 403),
    ),
    ("DELETE", "/api/v1/teams/<int:team_id>/members/<int:user_id>"): (
        "/api/v1/teams/{team}/members/{extra}",
        None,
        _t(204, 403),
    ),
    ("GET", "/api/v1/teams/<int:team_id>/lists"): ("/api/v1/teams/{team}/lists", None, _t(200, 200)),
    ("POST", "/api/v1/teams/<int:team_id>/lists"): ("/api/v1/teams/{team}/lists", {"name": "L"}, _t(201, 201)),
    # The list and the task were created by the admin: members edit tasks, but not lists or others' deletions.
    ("GET", "/api/v1/lists/<int:list_id>"): ("/api/v1/lists/{list}", None, _t(200, 200)),
    ("PATCH", "/api/v1/lists/<int:list_id>"): ("/api/v1/lists/{list}", {"name": "L2"}, _t(200, 403)),
    ("DELETE", "/api/v1/lists/<int:list_id>"): ("/api/v1/lists/{list}", None, _t(204, 403)),
    ("GET", "/api/v1/lists/<int:list_id>/tasks"): ("/api/v1/lists/{list}/tasks", None, _t(200, 200)),
    ("POST", "/api/v1/lists/<int:list_id>/tasks"): ("/api/v1/lists/{list}/tasks", {"title": "T"}, _t(201, 201)),
    ("GET", "/api/v1/tasks/<int:task_id>"): ("/api/v1/tasks/{task}", None, _t(200, 200)),
    ("PATCH", "/api/v1/tasks/<int:task_id>"): ("/api/v1/tasks/{task}", {"title": "T2"}, _t(200, 200)),
    ("DELETE", "/api/v1/tasks/<int:task_id>"): ("/api/v1/tasks/{task}", None, _t(204, 403)),
    ("POST", "/api/v1/tasks/<int:task_id>/done"): ("/api/v1/tasks/{task}/done", None, _t(200, 200)),
    ("POST", "/api/v1/tasks/<int:task_id>/reopen"): ("/api/v1/tasks/{task}/reopen", None, _t(200, 200)),
}


def _route_table() -> set[tuple[str, str]]:
    app = create_app(TestConfig)
    return {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - IGNORED_METHODS}


ROUTES = _route_table()
SWEEP = sorted(
    (method, rule, role)
    for (method, rule) in ROUTES
    if (method, rule) in EXPECTED
    for role in EXPECTED[(method, rule)][2]
)


# The admin site (/admin/, Flask-Admin, HTML) has its own rule, applied to every route under it, whatever new
# views appear: only a live superuser *session* gets in; anyone else, including a superuser's API bearer
# token, is redirected to the login page and sees no data. Login/logout/static assets are public by design.
ADMIN_PREFIX = "/admin/"
ADMIN_PUBLIC = {"/admin/login/", "/admin/logout/"}
ADMIN_ROUTES = sorted(
    (m, r) for m, r in ROUTES if r.startswith(ADMIN_PREFIX) and r not in ADMIN_PUBLIC and "<path:filename>" not in r
)


# The web client's routes serve one HTML shell and its static modules: no data (the client fetches it from the
# API with its own token), so the shell is the same for anyone, whatever object id the path names.
CLIENT_SHELL = set(CLIENT_ROUTES) | {"/assets/<version>/<path:filename>"}


def _out_of_scope(rule: str) -> bool:
    return rule in NO_OBJECT or rule in CLIENT_SHELL or rule.startswith(ADMIN_PREFIX)


def test_every_route_has_an_expectation():
    unknown = sorted((m, r) for m, r in ROUTES if (m, r) not in EXPECTED and not _out_of_scope(r))
    assert not unknown, f"routes without an authorization expectation (add them to EXPECTED or NO_OBJECT): {unknown}"
    stale = sorted(set(EXPECTED) - ROUTES)
    assert not stale, f"expectations for routes that no longer exist: {stale}"
    id_routes_skipped = sorted(
        (m, r)
        for m, r in ROUTES
        if "<int:" in r and (m, r) not in EXPECTED and not _out_of_scope(r) and not r.startswith("/ws/")
    )
    assert not id_routes_skipped, id_routes_skipped


def test_the_client_shell_is_the_same_for_anyone_and_carries_no_data(client):
    user, headers = _user("sweep_shell_owner")
    anonymous = client.get("/").get_data()
    for rule in CLIENT_ROUTES:
        path = rule.replace("<int:goal_id>", "1").replace("<int:team_id>", "1")
        for who in ({}, headers):
            response = client.get(path, headers=who)
            assert response.status_code == 200, (path, response.status_code)
            assert response.get_data() == anonymous, path
    assert b"sweep_shell_owner" not in anonymous


@dataclass
class World:
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


def _user(name: str) -> tuple[object, dict[str, str]]:
    user = create_user(username=name, password="correct-horse-battery-staple")
    tokens = start_session(user)
    return user, {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
def world(client) -> World:
    w = World()
    users = {}
    for name in ("owner", "writer", "reader", "stranger", "admin", "member", "extra", "newcomer"):
        users[name], w.tokens[name] = _user(f"sweep_{name}")

    def call(method, path, who, body=None, expect=(200, 201)):
        response = client.open(path, method=method, headers=w.tokens[who], json=body)
        assert response.status_code in expect, (path, response.json)
        return response.json

    w.ids["board"] = call("POST", "/api/v1/boards", "owner", {"title": "Sweep"})["id"]
    for role in ("writer", "reader"):
        call(
            "POST",
            f"/api/v1/boards/{w.ids['board']}/participants",
            "owner",
            {"username": f"sweep_{role}", "role": role},
        )
    call(
        "POST", f"/api/v1/boards/{w.ids['board']}/participants", "owner", {"username": "sweep_extra", "role": "reader"}
    )
    w.ids["category"] = call("POST", "/api/v1/categories", "owner", {"title": "Cat", "board_id": w.ids["board"]})["id"]
    w.ids["goal"] = call("POST", "/api/v1/goals", "owner", {"title": "Goal", "category_id": w.ids["category"]})["id"]
    w.ids["comment"] = call("POST", f"/api/v1/goals/{w.ids['goal']}/comments", "writer", {"text": "mine"})["id"]
    habit = {"action": "walk", "place": "park", "time": "07:30", "duration_seconds": 60, "is_public": False}
    w.ids["habit"] = call("POST", "/api/v1/habits", "owner", habit)["id"]
    w.ids["team"] = call("POST", "/api/v1/teams", "admin", {"name": "Team"})["id"]
    for name in ("member", "extra"):
        call("POST", f"/api/v1/teams/{w.ids['team']}/members", "admin", {"username": f"sweep_{name}", "role": "member"})
    w.ids["list"] = call("POST", f"/api/v1/teams/{w.ids['team']}/lists", "admin", {"name": "List"})["id"]
    w.ids["task"] = call("POST", f"/api/v1/lists/{w.ids['list']}/tasks", "admin", {"title": "Task"})["id"]
    w.ids["extra"] = users["extra"].id
    return w


@pytest.mark.parametrize(("method", "rule", "role"), SWEEP, ids=[f"{m} {r} as {who}" for m, r, who in SWEEP])
def test_route_answers_each_role_exactly(world: World, client, method, rule, role):
    template, body, expected = EXPECTED[(method, rule)]
    path = template.format(**world.ids)
    response = client.open(path, method=method, headers=world.tokens[role], json=body)
    assert response.status_code == expected[role], (method, path, role, response.status_code, response.get_data())
    if response.status_code >= 400:
        envelope = response.get_json()
        assert envelope["code"] == response.status_code
        assert set(envelope) <= {"code", "status", "message", "errors"}, envelope
    for header, value in (
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
    ):
        assert response.headers.get(header) == value, (path, header)


@pytest.mark.parametrize(("method", "rule"), sorted(EXPECTED), ids=[f"{m} {r}" for m, r in sorted(EXPECTED)])
def test_without_a_token_is_401(client, world: World, method, rule):
    template, body, _ = EXPECTED[(method, rule)]
    path = template.format(**world.ids)
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        response = client.open(path, method=method, headers=headers, json=body)
        assert response.status_code == 401, (method, path, headers, response.get_data())
        assert response.get_json()["code"] == 401


def _admin_path(rule: str, user_id: int) -> str:
    return rule.replace("<export_type>", "csv").replace("<int:user_id>", str(user_id))


def _superuser_session(app: Flask, client) -> tuple[object, dict[str, str]]:
    from tests.admin.conftest import admin_login

    root = create_user(username="sweep_root", password="correct-horse-battery-staple", is_superuser=True)
    bearer = {"Authorization": f"Bearer {start_session(root)['access_token']}"}
    response = admin_login(client, "sweep_root", "correct-horse-battery-staple")
    assert response.status_code == 302, response.text
    return root, bearer


@pytest.mark.parametrize("who", ["anonymous", "superuser_bearer_token", "regular_user_bearer_token"])
def test_admin_routes_refuse_everyone_without_a_superuser_session(app: Flask, who):
    assert len(ADMIN_ROUTES) > 20
    victim, victim_headers = _user("sweep_victim")
    setup = app.test_client()
    _, bearer = _superuser_session(app, setup)
    headers = {"anonymous": {}, "superuser_bearer_token": bearer, "regular_user_bearer_token": victim_headers}[who]
    client = app.test_client()  # no admin cookie
    problems = []
    for method, rule in ADMIN_ROUTES:
        path = _admin_path(rule, victim.id)
        response = client.open(path, method=method, headers=headers, data={"id": str(victim.id)})
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.startswith("/admin/login/") or "sweep_victim" in response.text:
            problems.append((method, path, response.status_code, location))
        if response.headers.get("X-Frame-Options") != "DENY":
            problems.append((method, path, "no X-Frame-Options"))
    assert not problems, problems[:10]


def test_admin_routes_open_for_a_superuser_session(app: Flask):
    victim, _ = _user("sweep_victim")
    client = app.test_client()
    _superuser_session(app, client)
    problems = []
    for method, rule in ADMIN_ROUTES:
        if method != "GET":
            continue  # writes need the form's CSRF token; tests/admin covers them
        path = _admin_path(rule, victim.id)
        response = client.get(path, query_string={"id": str(victim.id)})
        location = response.headers.get("Location", "")
        if (
            response.status_code >= 500
            or location.startswith("/admin/login/")
            or response.status_code not in (200, 302, 400, 404)
        ):
            problems.append((path, response.status_code, location))
    assert not problems, problems[:10]
    # A malformed id (sessions have UUID keys) is a 400, not a database crash.
    assert client.get("/admin/sessions/details/", query_string={"id": "1"}).status_code == 400
