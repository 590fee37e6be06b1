"""Sockets from the attacker's side, against a real gunicorn (2 gevent workers): message size and rate limits,
no compression, and rights that end while the socket is open (closed within 8 s on whichever process)."""

from __future__ import annotations

import struct
import time
import uuid
from datetime import timedelta

import pytest
import websocket
from flask_jwt_extended import create_access_token, decode_token

from app.auth import services as auth_services
from app.auth.models import User
from app.extensions import db
from tests.teams.conftest import make_team

pytestmark = pytest.mark.live
WITHIN = 8.0


def close_within(ws: websocket.WebSocket, seconds: float = WITHIN) -> tuple[int, float]:
    """Read frames until the server's close; its code and how long it took."""
    started = time.monotonic()
    ws.settimeout(seconds + 2)
    try:
        while True:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return struct.unpack("!H", data[:2])[0], time.monotonic() - started
    finally:
        ws.shutdown()


def still_open(ws: websocket.WebSocket, seconds: float = 2.5) -> bool:
    ws.settimeout(seconds)
    try:
        opcode, _ = ws.recv_data(control_frame=True)
    except websocket.WebSocketTimeoutException:
        return True
    return opcode != websocket.ABNF.OPCODE_CLOSE


def test_a_message_over_4_kib_closes_the_socket_with_1009(server, api):
    alice = api.signup_and_login("alice")
    ws = server.subscribe("/ws/user", alice.access_token)
    ws.send('{"type": "heartbeat"}')
    ws.send("x" * 4097)
    code, _ = close_within(ws, 3)
    assert code == 1009


def test_compression_is_not_negotiated(server, api):
    alice = api.signup_and_login("alice")
    ws = server.connect(
        "/ws/user", alice.access_token, header=["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"]
    )
    try:
        assert "sec-websocket-extensions" not in {k.lower() for k in ws.getheaders()}
    finally:
        ws.close()


def test_a_flood_of_messages_closes_the_socket(server, api):
    alice = api.signup_and_login("alice")
    ws = server.subscribe("/ws/user", alice.access_token)
    for _ in range(50):
        ws.send('{"type": "heartbeat"}')
    code, _ = close_within(ws, 3)
    assert code == 1008


def test_logout_closes_the_sessions_sockets_with_4401(server, api):
    alice = api.signup_and_login("alice")
    sockets = [server.subscribe("/ws/user", alice.access_token) for _ in range(3)]  # spread over both workers
    assert api.post("/api/v1/auth/logout", alice).status_code == 204
    for ws in sockets:
        code, took = close_within(ws)
        assert code == 4401 and took < WITHIN


def test_a_password_change_closes_the_other_sessions_sockets(server, api):
    alice = api.signup_and_login("alice")
    other = api.login("alice").json
    mine = server.subscribe("/ws/user", alice.access_token)
    theirs = server.subscribe("/ws/user", other["access_token"])
    body = {"old_password": alice.password, "new_password": "another-long-passphrase"}
    assert api.put("/api/v1/auth/me/password", alice, json=body).status_code == 204
    code, took = close_within(theirs)
    assert code == 4401 and took < WITHIN
    assert still_open(mine)  # the session that changed the password keeps its socket
    mine.close()


def test_deactivation_closes_every_socket(server, api):
    alice = api.signup_and_login("alice")
    ws = server.subscribe("/ws/user", alice.access_token)
    auth_services.set_active(db.session.get(User, alice.id), False)
    db.session.commit()
    code, took = close_within(ws)
    assert code == 4401 and took < WITHIN


def test_leaving_a_team_closes_its_team_socket_with_4403_and_keeps_the_user_socket(server, api):
    admin, member = api.signup_and_login("ada"), api.signup_and_login("max")
    team_id = make_team(api, admin, member)
    team_ws = server.subscribe(f"/ws/teams/{team_id}", member.access_token)
    user_ws = server.subscribe("/ws/user", member.access_token)
    assert api.delete(f"/api/v1/teams/{team_id}/members/{member.id}", admin).status_code == 204
    code, took = close_within(team_ws)
    assert code == 4403 and took < WITHIN
    assert still_open(user_ws)
    user_ws.close()


def test_a_socket_closes_when_its_access_token_expires(server, api, app):
    alice = api.signup_and_login("alice")
    with app.app_context():
        sid = decode_token(alice.access_token)["sid"]
        short = create_access_token(
            identity=str(alice.id), additional_claims={"sid": str(uuid.UUID(sid))}, expires_delta=timedelta(seconds=2)
        )
    ws = server.subscribe("/ws/user", short)
    code, took = close_within(ws)
    assert code == 4401 and 0.5 < took < WITHIN
