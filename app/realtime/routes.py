"""WebSocket endpoints: /ws/user (my toasts and task events) and /ws/teams/<id> (a team's task events).

The access token travels in `?token=` (browsers cannot set headers on a WebSocket); it is checked like a
REST token (signature, expiry, live session). Close codes: 4401 bad/missing/revoked token, 4403 not a
member. A cross-site page cannot open a socket: a present Origin must be this service's own (its web client)
or one of CORS_ORIGINS (403 before the handshake); clients without an Origin (not browsers) are let in on the
strength of the token.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid

from flask import Blueprint, current_app, request
from flask_jwt_extended import decode_token
from simple_websocket import ConnectionClosed

from app.auth.models import User
from app.auth.tokens import load_token_owner
from app.common.origins import is_own_origin
from app.errors import error_response
from app.events import presence
from app.events.pubsub import team_channel, user_channel
from app.extensions import db, sock
from app.realtime.hub import hub
from app.teams.services import is_member

log = logging.getLogger(__name__)
ws_bp = Blueprint("realtime", __name__)

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
_STOP = object()


@ws_bp.before_request
def check_origin():
    origin = request.headers.get("Origin")
    if origin is not None and origin not in current_app.config["CORS_ORIGINS"] and not is_own_origin(origin):
        return error_response(403, "This origin may not open a WebSocket.")
    return None


def _authenticate() -> User | None:
    token = request.args.get("token", "")
    if not token:
        return None
    try:
        payload = decode_token(token)
    except Exception:  # noqa: BLE001  (any decoding failure is "bad token")
        return None
    if payload.get("type") != "access":
        return None
    owner = load_token_owner(payload)
    return owner[0] if owner else None


def _release_db() -> None:
    """A socket lives for hours: give the pooled database connection back right after the checks."""
    db.session.rollback()
    db.session.remove()


def _serve(ws, user_id: int, channel: str) -> None:
    """Relay `channel` to the socket while reading heartbeats from it."""
    if not hub.ready.is_set():
        hub.start(current_app.config["REDIS_URL"])
        hub.ready.wait(timeout=5)
    socket_id = uuid.uuid4().hex
    inbox = hub.subscribe(channel)
    presence.touch(user_id, socket_id)

    def pump() -> None:
        while True:
            data = inbox.get()
            if data is _STOP:
                return
            try:
                ws.send(data)
            except ConnectionClosed:
                return

    sender = threading.Thread(target=pump, name=f"ws-send-{socket_id}", daemon=True)
    sender.start()
    try:
        ws.send(json.dumps({"type": "ready"}))  # subscribed: from now on no event is missed
        while True:
            raw = ws.receive()
            if raw is None:
                break
            try:
                message = json.loads(raw)
            except (TypeError, ValueError):
                continue
            if isinstance(message, dict) and message.get("type") == "heartbeat":
                presence.touch(user_id, socket_id)
    except ConnectionClosed:
        pass
    finally:
        hub.unsubscribe(channel, inbox)
        inbox.put(_STOP)
        presence.leave(user_id, socket_id)


@sock.route("/ws/user", bp=ws_bp)
def user_socket(ws):
    user = _authenticate()
    user_id = user.id if user else None
    _release_db()
    if user_id is None:
        ws.close(reason=CLOSE_UNAUTHORIZED, message="invalid token")
        return
    _serve(ws, user_id, user_channel(user_id))


@sock.route("/ws/teams/<int:team_id>", bp=ws_bp)
def team_socket(ws, team_id: int):
    user = _authenticate()
    user_id = user.id if user else None
    member = user_id is not None and is_member(user_id, team_id)
    _release_db()
    if user_id is None:
        ws.close(reason=CLOSE_UNAUTHORIZED, message="invalid token")
        return
    if not member:
        ws.close(reason=CLOSE_FORBIDDEN, message="not a member of this team")
        return
    _serve(ws, user_id, team_channel(team_id))
