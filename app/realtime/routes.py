"""WebSocket endpoints: /ws/user (my toasts and task events) and /ws/teams/<id> (a team's task events).

The access token travels in `?token=` (browsers cannot set headers on a WebSocket); it is checked like a
REST token (signature, expiry, live session). Close codes: 4401 bad/missing/revoked token, 4403 not a
member. A cross-site page cannot open a socket: a present Origin must be this service's own (its web client)
or one of CORS_ORIGINS (403 before the handshake); clients without an Origin (not browsers) are let in on the
strength of the token.

Rights are not only checked at the handshake: a socket closes 4401 when its access token expires, and
re-checks its session (and team membership) whenever a control message says its user's rights changed
(app.events.control: logout, password change, deactivation, leaving the team), on whichever web process.
Clients send little (heartbeats): a message over WS_MAX_MESSAGE_BYTES closes the socket with 1009,
compression is never negotiated (no inflate bomb), and over WS_MAX_MESSAGES_PER_SECOND closes it with 1008.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass

from flask import Blueprint, current_app, request
from flask_jwt_extended import decode_token
from simple_websocket import ConnectionClosed

from app.auth.models import TokenOwner
from app.auth.tokens import load_token_owner
from app.common.origins import is_own_origin
from app.errors import error_response
from app.events import presence
from app.events.control import control_channel
from app.events.pubsub import team_channel, user_channel
from app.extensions import db, sock
from app.realtime.hub import hub
from app.teams.services import is_member

log = logging.getLogger(__name__)
ws_bp = Blueprint("realtime", __name__)

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_POLICY = 1008
CHECK_EVERY = 1.0  # seconds between looks at the control inbox and the token's expiry
_STOP = object()


@dataclass
class Rights:
    """What let this socket in: re-checked on a control message, and the token's expiry."""

    user_id: int
    payload: dict
    team_id: int | None = None

    def problem(self) -> tuple[int, str] | None:
        """The close code and reason when the socket must go, checked against PostgreSQL now."""
        try:
            if load_token_owner(self.payload, fresh=True) is None:
                return CLOSE_UNAUTHORIZED, "session ended"
            if self.team_id is not None and not is_member(self.user_id, self.team_id):
                return CLOSE_FORBIDDEN, "not a member of this team"
            return None
        finally:
            _release_db()


@ws_bp.before_request
def check_origin():
    origin = request.headers.get("Origin")
    if origin is not None and origin not in current_app.config["CORS_ORIGINS"] and not is_own_origin(origin):
        return error_response(403, "This origin may not open a WebSocket.")
    # simple_websocket accepts permessage-deflate whenever the client offers it, with no cap on the inflated
    # size: hide the offer, so a few KiB on the wire can never become gigabytes in the worker.
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    return None


def _authenticate() -> tuple[TokenOwner, dict] | None:
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
    return (owner[0], payload) if owner else None


def _release_db() -> None:
    """A socket lives for hours: give the pooled database connection back right after the checks."""
    db.session.rollback()
    db.session.remove()


def _serve(ws, rights: Rights, channel: str) -> None:
    """Relay `channel` to the socket while reading heartbeats from it, until its rights end."""
    if not hub.ready.is_set():
        hub.start(current_app.config["REDIS_URL"])
        hub.ready.wait(timeout=5)
    user_id = rights.user_id
    socket_id = uuid.uuid4().hex
    inbox = hub.subscribe(channel)
    controls = hub.subscribe(control_channel(user_id))
    presence.touch(user_id, socket_id)
    cfg = current_app.config
    expires_at = float(rights.payload.get("exp") or 0)
    budget, window_start, seen = int(cfg["WS_MAX_MESSAGES_PER_SECOND"]), time.monotonic(), 0

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
            if expires_at and time.time() >= expires_at:
                ws.close(reason=CLOSE_UNAUTHORIZED, message="token expired")
                break
            if _drain(controls):
                ended = rights.problem()
                if ended is not None:
                    ws.close(reason=ended[0], message=ended[1])
                    break
            raw = ws.receive(timeout=CHECK_EVERY)
            if raw is None:
                if not ws.connected:
                    break
                continue
            now = time.monotonic()
            if now - window_start >= 1.0:
                window_start, seen = now, 0
            seen += 1
            if seen > budget:
                ws.close(reason=CLOSE_POLICY, message="too many messages")
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
        hub.unsubscribe(control_channel(user_id), controls)
        inbox.put(_STOP)
        presence.leave(user_id, socket_id)


def _drain(controls: queue.Queue) -> bool:
    """Whether a control message arrived since the last look (several count as one re-check)."""
    got = False
    while True:
        try:
            controls.get_nowait()
        except queue.Empty:
            return got
        got = True


@sock.route("/ws/user", bp=ws_bp)
def user_socket(ws):
    owner = _authenticate()
    rights = Rights(owner[0].id, owner[1]) if owner else None
    _release_db()
    if rights is None:
        ws.close(reason=CLOSE_UNAUTHORIZED, message="invalid token")
        return
    _serve(ws, rights, user_channel(rights.user_id))


@sock.route("/ws/teams/<int:team_id>", bp=ws_bp)
def team_socket(ws, team_id: int):
    owner = _authenticate()
    rights = Rights(owner[0].id, owner[1], team_id) if owner else None
    member = rights is not None and is_member(rights.user_id, team_id)
    _release_db()
    if rights is None:
        ws.close(reason=CLOSE_UNAUTHORIZED, message="invalid token")
        return
    if not member:
        ws.close(reason=CLOSE_FORBIDDEN, message="not a member of this team")
        return
    _serve(ws, rights, team_channel(team_id))
