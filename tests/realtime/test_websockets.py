"""WebSockets against a real gunicorn process: auth close codes, Origin check, task events, toasts, presence."""

from __future__ import annotations

import pytest
import requests
import websocket

from app.auth.models import User
from app.events.presence import is_online
from app.events.pubsub import publish_user_event
from app.extensions import db
from app.teams import services
from tests.processes import wait_until
from tests.realtime.conftest import close_code, next_event
from tests.teams.conftest import make_team

pytestmark = pytest.mark.live


def test_bad_missing_or_revoked_token_closes_4401(server, api):
    alice = api.signup_and_login("alice")
    assert close_code(server.connect("/ws/user", "not-a-jwt")) == 4401
    assert close_code(server.connect("/ws/user", None)) == 4401
    assert close_code(server.connect("/ws/user", alice.refresh_token)) == 4401
    assert api.post("/api/v1/auth/logout", alice).status_code == 204
    assert close_code(server.connect("/ws/user", alice.access_token)) == 4401


def test_stranger_gets_4403_on_a_team_socket(server, api):
    admin, stranger = api.signup_and_login("ada"), api.signup_and_login("eve")
    team_id = make_team(api, admin)
    assert close_code(server.connect(f"/ws/teams/{team_id}", stranger.access_token)) == 4403
    assert close_code(server.connect("/ws/teams/999999", admin.access_token)) == 4403
    server.subscribe(f"/ws/teams/{team_id}", admin.access_token).close()


def test_foreign_origin_is_refused_and_missing_origin_allowed(server, api):
    alice = api.signup_and_login("alice")
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        server.connect("/ws/user", alice.access_token, origin="https://evil.example")
    assert refused.value.status_code == 403
    ws = server.connect("/ws/user", alice.access_token, origin=None, suppress_origin=True)
    assert next_event(ws)["type"] == "ready"
    ws.close()


def test_the_services_own_origin_may_open_a_socket(server, api):
    """Kalendar's own web client is served from the same origin as the sockets, not from CORS_ORIGINS."""
    alice = api.signup_and_login("alice")
    ws = server.connect("/ws/user", alice.access_token, origin=server.http)
    assert next_event(ws)["type"] == "ready"
    ws.close()
    with pytest.raises(websocket.WebSocketBadStatusException):
        server.connect("/ws/user", alice.access_token, origin=server.http.replace("127.0.0.1", "127.0.0.2"))


def test_members_receive_task_events_from_rest_and_from_another_process(server, api):
    admin, member = api.signup_and_login("ada"), api.signup_and_login("max")
    team_id = make_team(api, admin, member)
    team_ws = server.subscribe(f"/ws/teams/{team_id}", member.access_token)
    user_ws = server.subscribe("/ws/user", member.access_token)
    rest = requests.Session()
    rest.headers["Authorization"] = f"Bearer {admin.access_token}"
    list_id = rest.post(f"{server.http}/api/v1/teams/{team_id}/lists", json={"name": "L"}).json()["id"]
    task = rest.post(
        f"{server.http}/api/v1/lists/{list_id}/tasks", json={"title": "Write", "assignee_id": member.id}
    ).json()

    created = next_event(team_ws)
    assert created["type"] == "task.created" and created["task"] == task
    assert next_event(user_ws)["type"] == "task.created"  # assigned to me: my channel too

    rest.patch(f"{server.http}/api/v1/tasks/{task['id']}", json={"title": "Rewrite"})
    updated = next_event(team_ws)
    assert updated["type"] == "task.updated" and updated["task"]["title"] == "Rewrite"

    # "Another process": the bot's /done path, run here, publishes after its own commit.
    services.complete_task(db.session.get(User, member.id), task["id"])
    db.session.commit()
    done = next_event(team_ws)
    assert done["type"] == "task.done" and done["task"]["is_done"] is True

    rest.delete(f"{server.http}/api/v1/tasks/{task['id']}")
    deleted = next_event(team_ws)
    assert deleted == {"type": "task.deleted", "task": {**done["task"]}}
    team_ws.close()
    user_ws.close()


def test_user_channel_receives_toasts_and_presence_follows_the_socket(server, api, app):
    alice = api.signup_and_login("alice")
    assert not is_online(alice.id)
    ws = server.subscribe("/ws/user", alice.access_token)
    second = server.subscribe("/ws/user", alice.access_token)
    assert is_online(alice.id)
    publish_user_event(alice.id, {"type": "toast", "title": "Hi", "body": "there", "level": "info"})
    assert next_event(ws) == {"type": "toast", "title": "Hi", "body": "there", "level": "info"}
    second.close()
    ws.send('{"type": "heartbeat"}')
    assert wait_until(lambda: is_online(alice.id), timeout=2)
    ws.close()
    assert wait_until(lambda: not is_online(alice.id), timeout=3)
