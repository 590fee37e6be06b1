"""Boards: the personal board, soft delete with its cascade, participants and the last-owner rule."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.services import create_user
from app.extensions import db
from app.goals.models import Board, BoardParticipant, Category, Goal


def test_signup_creates_a_personal_board(api, user):
    boards = api.get("/api/v1/boards", user).json
    assert [(b["title"], b["my_role"]) for b in boards] == [("Personal", "owner")]


def test_users_created_outside_signup_get_one_too(app):
    """VK login and the CLI go through create_user: the board comes in the same transaction."""
    created = create_user(username="vk_123", password=None)
    roles = db.session.scalars(select(BoardParticipant.role).where(BoardParticipant.user_id == created.id)).all()
    assert roles == ["owner"]


def test_create_and_rename_board(api, g, user):
    board = g.board(user, "Trip")
    assert board["my_role"] == "owner" and set(board) == {"id", "title", "my_role", "created_at", "updated_at"}
    resp = api.patch(f"/api/v1/boards/{board['id']}", user, json={"title": "  Trip 2027  "})
    assert resp.status_code == 200 and resp.json["title"] == "Trip 2027"


def test_delete_board_cascades_and_hides_it(api, g, team):
    other_category = g.category(team.owner, team.board["id"], "Home")
    g.goal(team.writer, other_category["id"], "Paint")
    assert api.delete(f"/api/v1/boards/{team.board['id']}", team.owner).status_code == 204

    board_id = team.board["id"]
    assert db.session.get(Board, board_id).is_deleted
    assert set(db.session.scalars(select(Category.is_deleted).where(Category.board_id == board_id))) == {True}
    assert set(db.session.scalars(select(Goal.status).where(Goal.board_id == board_id))) == {"archived"}
    for who in (team.owner, team.writer, team.reader):
        assert api.get(f"/api/v1/boards/{board_id}", who).status_code == 404
        assert api.get(f"/api/v1/goals/{team.goal['id']}", who).status_code == 404
        assert api.get(f"/api/v1/categories/{team.category['id']}", who).status_code == 404
        assert board_id not in [b["id"] for b in api.get("/api/v1/boards", who).json]
        assert api.get("/api/v1/goals?status=archived", who).json == []
    assert api.delete(f"/api/v1/boards/{board_id}", team.owner).status_code == 404


def test_delete_category_archives_its_goals_only(api, g, team):
    other = g.category(team.owner, team.board["id"], "Home")
    kept = g.goal(team.owner, other["id"], "Kept")
    assert api.delete(f"/api/v1/categories/{team.category['id']}", team.writer).status_code == 204
    assert api.get(f"/api/v1/goals/{team.goal['id']}", team.owner).json["status"] == "archived"
    assert api.get(f"/api/v1/goals/{kept['id']}", team.owner).json["status"] == "todo"
    listed = api.get(f"/api/v1/categories?board={team.board['id']}", team.owner).json
    assert [c["title"] for c in listed] == ["Home"]
    assert api.get(f"/api/v1/categories/{team.category['id']}", team.owner).status_code == 404


def test_adding_a_participant_twice_is_a_conflict(api, team):
    resp = api.post(
        f"/api/v1/boards/{team.board['id']}/participants", team.owner, json={"username": "ROMAN", "role": "writer"}
    )
    assert resp.status_code == 409 and resp.json["code"] == 409
    roles = api.get(f"/api/v1/boards/{team.board['id']}/participants", team.owner).json
    assert [p["role"] for p in roles if p["username"] == "roman"] == ["reader"]


def test_unknown_username_is_422_on_the_field(api, team):
    resp = api.post(
        f"/api/v1/boards/{team.board['id']}/participants", team.owner, json={"username": "nobody", "role": "reader"}
    )
    assert resp.status_code == 422 and "username" in resp.json["errors"]["json"]


def test_last_owner_cannot_leave_be_removed_or_demoted(api, team):
    base = f"/api/v1/boards/{team.board['id']}/participants/{team.owner.id}"
    assert api.delete(base, team.owner).status_code == 409
    assert api.patch(base, team.owner, json={"role": "writer"}).status_code == 409
    assert api.patch(base, team.owner, json={"role": "owner"}).status_code == 200  # a no-op is fine
    assert api.get(f"/api/v1/boards/{team.board['id']}", team.owner).json["my_role"] == "owner"


def test_with_a_second_owner_the_first_may_step_down(api, team):
    board = team.board["id"]
    promote = api.patch(f"/api/v1/boards/{board}/participants/{team.writer.id}", team.owner, json={"role": "owner"})
    assert promote.status_code == 200 and promote.json["role"] == "owner"
    assert (
        api.patch(
            f"/api/v1/boards/{board}/participants/{team.owner.id}", team.owner, json={"role": "reader"}
        ).status_code
        == 200
    )
    # now wasya is the only owner again
    assert api.delete(f"/api/v1/boards/{board}/participants/{team.writer.id}", team.writer).status_code == 409
    assert api.patch(f"/api/v1/boards/{board}", team.owner, json={"title": "x"}).status_code == 403


def test_anyone_may_leave(api, team):
    board = team.board["id"]
    assert api.delete(f"/api/v1/boards/{board}/participants/{team.reader.id}", team.reader).status_code == 204
    assert api.get(f"/api/v1/boards/{board}", team.reader).status_code == 404
    assert api.get(f"/api/v1/goals/{team.goal['id']}", team.reader).status_code == 404
    assert api.delete(f"/api/v1/boards/{board}/participants/{team.reader.id}", team.owner).status_code == 404


def test_participants_list_shape(api, team):
    listed = api.get(f"/api/v1/boards/{team.board['id']}/participants", team.reader).json
    assert [(p["username"], p["role"]) for p in listed] == [("olga", "owner"), ("wasya", "writer"), ("roman", "reader")]
    assert set(listed[0]) == {"user_id", "username", "role", "created_at"}
