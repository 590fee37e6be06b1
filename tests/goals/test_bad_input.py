"""Bad input: a 4xx in the envelope naming the field, never a 500, nothing half written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.goals.models import Board, Category, Comment, Goal


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Board, Category, Goal, Comment))


def _assert_envelope(resp, code, field=None):
    assert resp.status_code == code, resp.json
    assert resp.json["code"] == code and "status" in resp.json
    if field:
        assert field in resp.json["errors"]["json"], resp.json


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "category_id": "1"}, "category_id"),
        ({"title": "x", "category_id": 1.5}, "category_id"),
        ({"title": "x", "category_id": -1}, "category_id"),
        ({"title": "x", "category_id": 2**40}, "category_id"),
        ({"title": 5, "category_id": None}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 256}, "title"),
        ({"description": "x" * 5001}, "description"),
        ({"status": "finished"}, "status"),
        ({"status": "overdue"}, "status"),
        ({"priority": "urgent"}, "priority"),
        ({"priority": 3}, "priority"),
        ({"due_date": "31.12.2026"}, "due_date"),
        ({"due_date": "2026-02-30"}, "due_date"),
        ({"author_id": 1}, "author_id"),
        ({"board_id": 1}, "board_id"),
        ({"id": 99}, "id"),
        ({"days_left": 3}, "days_left"),
    ],
)
def test_goal_create_rejects(api, team, body, field):
    before = _counts()
    full = {"title": "ok", "category_id": team.category["id"]} | body
    _assert_envelope(api.post("/api/v1/goals", team.owner, json=full), 422, field)
    assert _counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "x"}, "status"),
        ({"title": ""}, "title"),
        ({"board_id": 3}, "board_id"),
        ({"author_id": 3}, "author_id"),
        ({"category_id": "abc"}, "category_id"),
        ({"start_date": 20260101}, "start_date"),
    ],
)
def test_goal_patch_rejects_and_keeps_the_row(api, team, body, field):
    _assert_envelope(api.patch(f"/api/v1/goals/{team.goal['id']}", team.owner, json=body), 422, field)
    assert api.get(f"/api/v1/goals/{team.goal['id']}", team.owner).json == team.goal


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/api/v1/boards"),
        ("PATCH", "/api/v1/boards/{b}"),
        ("POST", "/api/v1/categories"),
        ("PATCH", "/api/v1/categories/{c}"),
        ("POST", "/api/v1/goals"),
        ("PATCH", "/api/v1/goals/{g}"),
        ("POST", "/api/v1/goals/{g}/comments"),
        ("POST", "/api/v1/boards/{b}/participants"),
    ],
)
def test_malformed_json_is_400_or_422(api, team, method, path):
    url = path.format(b=team.board["id"], c=team.category["id"], g=team.goal["id"])
    before = _counts()
    for data in ('{"title": ', "[1, 2]", '"text"', "null"):
        resp = api.client.open(
            url, method=method, headers=team.owner.headers, data=data, content_type="application/json"
        )
        assert resp.status_code in (400, 422), (url, data, resp.status_code)
        assert resp.json["code"] == resp.status_code
    assert _counts() == before


def test_references_that_do_not_exist_or_belong_to_others(api, g, team):
    theirs = g.category(team.stranger, api.get("/api/v1/boards", team.stranger).json[0]["id"], "Private")
    before = _counts()
    for category_id in (theirs["id"], 999999):
        _assert_envelope(api.post("/api/v1/goals", team.owner, json={"title": "x", "category_id": category_id}), 404)
        _assert_envelope(
            api.patch(f"/api/v1/goals/{team.goal['id']}", team.owner, json={"category_id": category_id}), 404
        )
    stranger_board = api.get("/api/v1/boards", team.stranger).json[0]["id"]
    for board_id in (stranger_board, 999999):
        _assert_envelope(api.post("/api/v1/categories", team.owner, json={"title": "x", "board_id": board_id}), 404)
    for path in (
        "/api/v1/goals/999999",
        "/api/v1/categories/999999",
        "/api/v1/boards/999999",
        "/api/v1/comments/999999",
        "/api/v1/goals/999999/comments",
    ):
        _assert_envelope(
            api.get(path, team.owner) if "comments/" not in path else api.patch(path, team.owner, json={"text": "x"}),
            404,
        )
    assert _counts() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/boards", {"title": "x" * 256}, "title"),
        ("/api/v1/boards", {"title": "ok", "is_deleted": True}, "is_deleted"),
        ("/api/v1/boards", {}, "title"),
        ("/api/v1/categories", {"title": "ok", "board_id": "abc"}, "board_id"),
        ("/api/v1/categories", {"title": "ok", "board_id": 1, "author_id": 2}, "author_id"),
        ("/api/v1/boards/{b}/participants", {"username": "roman", "role": "admin"}, "role"),
        ("/api/v1/boards/{b}/participants", {"username": "x" * 151, "role": "reader"}, "username"),
        ("/api/v1/goals/{g}/comments", {"text": "x" * 5001}, "text"),
        ("/api/v1/goals/{g}/comments", {"text": "  "}, "text"),
        ("/api/v1/goals/{g}/comments", {"text": "hi", "author_id": 1}, "author_id"),
    ],
)
def test_other_bodies_rejected(api, team, path, body, field):
    before = _counts()
    url = path.format(b=team.board["id"], g=team.goal["id"])
    _assert_envelope(api.post(url, team.owner, json=body), 422, field)
    assert _counts() == before


def test_participant_role_patch_validated(api, team):
    url = f"/api/v1/boards/{team.board['id']}/participants/{team.reader.id}"
    _assert_envelope(api.patch(url, team.owner, json={"role": "god"}), 422, "role")
    _assert_envelope(api.patch(url, team.owner, json={"role": "writer", "user_id": 1}), 422, "user_id")
    _assert_envelope(
        api.patch(f"/api/v1/boards/{team.board['id']}/participants/99999", team.owner, json={"role": "writer"}), 404
    )


def test_no_token_is_401_before_validation(api):
    for method, path in (
        ("POST", "/api/v1/goals"),
        ("GET", "/api/v1/goals?ordering=bad"),
        ("DELETE", "/api/v1/boards/1"),
        ("PATCH", "/api/v1/comments/1"),
    ):
        resp = api.client.open(path, method=method, data="{bad", content_type="application/json")
        _assert_envelope(resp, 401)
