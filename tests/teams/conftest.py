"""Team fixtures: an admin, a member and a stranger around one team with one list and one task."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import ApiClient, Session


@dataclass
class TeamWorld:
    admin: Session
    member: Session
    stranger: Session
    team_id: int
    list_id: int
    task_id: int


def make_team(api: ApiClient, admin: Session, member: Session | None = None, name: str = "Crew") -> int:
    team = api.post("/api/v1/teams", admin, json={"name": name})
    assert team.status_code == 201, team.json
    if member is not None:
        added = api.post(
            f"/api/v1/teams/{team.json['id']}/members", admin, json={"username": member.username, "role": "member"}
        )
        assert added.status_code == 201, added.json
    return team.json["id"]


@pytest.fixture
def world(api: ApiClient) -> TeamWorld:
    admin, member, stranger = (api.signup_and_login(n) for n in ("ada", "max", "eve"))
    team_id = make_team(api, admin, member)
    list_id = api.post(f"/api/v1/teams/{team_id}/lists", admin, json={"name": "Backlog"}).json["id"]
    task_id = api.post(f"/api/v1/lists/{list_id}/tasks", admin, json={"title": "Ship it"}).json["id"]
    return TeamWorld(admin, member, stranger, team_id, list_id, task_id)
