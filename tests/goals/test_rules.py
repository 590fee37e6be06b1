"""Goal rules other interfaces call instead of re-implementing them (the bot's /create, the admin site)."""

from __future__ import annotations

from app.auth.models import User
from app.extensions import db
from app.goals import participants, services


def _user(session) -> User:
    return db.session.get(User, session.id)


def test_writable_categories_are_live_ones_on_boards_where_i_write(api, g, team):
    other = g.board(team.owner, "Other")
    g.add(team.owner, other["id"], team.writer, "writer")
    gone = g.category(team.owner, other["id"], "Gone")
    assert api.delete(f"/api/v1/categories/{gone['id']}", team.owner).status_code == 204
    kept = g.category(team.owner, other["id"], "Kept")

    writer = [(c.id, board) for c, board in services.writable_categories(_user(team.writer))]
    assert writer == [(team.category["id"], "Shared"), (kept["id"], "Other")]
    assert services.writable_categories(_user(team.reader)) == []  # readers may not add goals
    assert services.writable_categories(_user(team.stranger)) == []

    assert api.delete(f"/api/v1/boards/{other['id']}", team.owner).status_code == 204
    assert [c.id for c, _ in services.writable_categories(_user(team.writer))] == [team.category["id"]]


def test_an_operator_acts_as_the_first_owner(api, g, team):
    assert participants.acting_owner(team.board["id"]).id == team.owner.id
    resp = api.patch(
        f"/api/v1/boards/{team.board['id']}/participants/{team.writer.id}", team.owner, json={"role": "owner"}
    )
    assert resp.status_code == 200, resp.json
    assert participants.acting_owner(team.board["id"]).id == team.owner.id  # still the first one
    resp = api.delete(f"/api/v1/boards/{team.board['id']}/participants/{team.owner.id}", team.owner)
    assert resp.status_code == 204, resp.json
    assert participants.acting_owner(team.board["id"]).id == team.writer.id
