"""JWT issuing and checking. A token is valid only while its session row is live (see AuthSession)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, g
from flask_jwt_extended import JWTManager, create_access_token, create_refresh_token
from sqlalchemy import bindparam, select, update

from app.auth import owner_cache
from app.auth.models import AuthSession, TokenOwner, User
from app.auth.signals import sessions_revoked
from app.common.hot import HotStatement
from app.common.models import UTCDateTime
from app.common.timeutil import utcnow
from app.errors import error_response
from app.extensions import db


def issue_tokens(user: User, session_id: uuid.UUID) -> tuple[dict[str, str], str]:
    """A new access/refresh pair for the session, and the refresh jti the caller must store as the only valid one."""
    cfg = current_app.config
    claims = {"sid": str(session_id)}
    refresh_jti = uuid.uuid4().hex
    access = create_access_token(
        identity=str(user.id),
        additional_claims=claims,
        expires_delta=timedelta(seconds=cfg["JWT_ACCESS_TTL"]),
    )
    refresh = create_refresh_token(
        identity=str(user.id),
        additional_claims={**claims, "jti": refresh_jti},
        expires_delta=timedelta(seconds=cfg["JWT_REFRESH_TTL"]),
    )
    return {"access_token": access, "refresh_token": refresh}, refresh_jti


@dataclass(frozen=True, slots=True)
class SessionState:
    """What a request needs of its token's AuthSession row (the row itself is never changed through it)."""

    id: uuid.UUID
    created_at: datetime
    revoked_at: datetime | None
    refresh_jti: str


_USER_COLUMNS = tuple(User.__table__.columns)
# Every authenticated request runs it: compiled once, run on the request's connection (app/common/hot.py).
_OWNER = HotStatement(
    select(*_USER_COLUMNS, AuthSession.created_at, AuthSession.revoked_at, AuthSession.refresh_jti)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), AuthSession.id == bindparam("session_id"))
)
_USER_KEYS = tuple(User.__mapper__.get_property_by_column(column).key for column in _USER_COLUMNS)
# An entry of the owner cache: the user without the password hash (it stays in PostgreSQL), and the session.
_UNCACHED_KEYS = ("password_hash",)
_CACHED_KEYS = (*(key for key in _USER_KEYS if key not in _UNCACHED_KEYS), "created_at", "revoked_at")
_DATETIME_KEYS = (
    *(key for key, column in zip(_USER_KEYS, _USER_COLUMNS, strict=True) if isinstance(column.type, UTCDateTime)),
    "created_at",
    "revoked_at",
)


def load_token_owner(payload: dict, *, fresh: bool = False) -> tuple[TokenOwner, SessionState] | None:
    """User and session of a decoded token, in one query or none (app/auth/owner_cache.py: an access token
    seen before, unless `fresh`); None if either is gone, revoked or inactive."""
    try:
        user_id = int(payload["sub"])
        session_id = uuid.UUID(str(payload.get("sid")))
    except (KeyError, TypeError, ValueError):
        return None
    access = payload.get("type") != "refresh"
    held = owner_cache.lookup(user_id, session_id) if access and not fresh else None
    if held is not None and held.owner is not None:
        values = dict(zip(_CACHED_KEYS, held.owner, strict=True))
        for key in _DATETIME_KEYS:
            if values[key] is not None:
                values[key] = datetime.fromisoformat(values[key])
        session = SessionState(session_id, values.pop("created_at"), values.pop("revoked_at"), "")
    else:
        row = _OWNER.first(user_id=user_id, session_id=session_id)
        if row is None:
            return None
        columns = len(_USER_KEYS)
        session = SessionState(session_id, *row[columns:])
        values = dict(zip(_USER_KEYS, row[:columns], strict=True))
    if not values["is_active"] or session.revoked_at is not None:
        return None
    if session.created_at < utcnow() - timedelta(seconds=current_app.config["JWT_SESSION_MAX_AGE"]):
        return None  # the absolute lifetime: refreshing never extends a session past it
    if not access and payload.get("jti") != session.refresh_jti:
        return None  # an older refresh token of a rotated session
    if held is not None and held.owner is None:
        state = {**values, "created_at": session.created_at, "revoked_at": session.revoked_at}
        owner_cache.store_owner(held, [state[key] for key in _CACHED_KEYS])
    return TokenOwner(values), session


def revoke_on_reuse(payload: dict) -> None:
    """A signed refresh token of a live session that is not its newest one was stolen or replayed (RFC 9700
    4.14.2): end the whole session, so the thief's and the owner's newer tokens stop together."""
    if payload.get("type") != "refresh":
        return
    try:
        user_id = int(payload["sub"])
        session_id = uuid.UUID(str(payload.get("sid")))
    except (KeyError, TypeError, ValueError):
        return
    revoked = db.session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == session_id,
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.refresh_jti != str(payload.get("jti")),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if revoked:
        sessions_revoked.send(current_app._get_current_object(), user_id=user_id)
    db.session.commit()  # the request fails with 401 next: the revocation must not roll back with it


def _unauthorized(message: str):
    return error_response(401, message, headers={"WWW-Authenticate": "Bearer"})


def init_jwt(app: Flask, jwt: JWTManager) -> None:
    @jwt.token_in_blocklist_loader
    def is_revoked(_header: dict, payload: dict) -> bool:
        owner = load_token_owner(payload)
        g.token_owner = owner
        if owner is None:
            revoke_on_reuse(payload)
        return owner is None

    @jwt.user_lookup_loader
    def lookup_user(_header: dict, payload: dict) -> TokenOwner | None:
        """What flask-jwt-extended keeps as the request's user: the TokenOwner (app/auth/current.py reads it)."""
        owner = g.get("token_owner") or load_token_owner(payload)
        return owner[0] if owner else None

    @jwt.user_lookup_error_loader
    def user_lookup_error(_header, _payload):
        return _unauthorized("The token's user is gone.")

    @jwt.revoked_token_loader
    def revoked(_header, _payload):
        return _unauthorized("The token has been revoked.")

    @jwt.expired_token_loader
    def expired(_header, _payload):
        return _unauthorized("The token has expired.")

    @jwt.invalid_token_loader
    def invalid(reason: str):
        return _unauthorized(f"Invalid token: {reason}.")

    @jwt.unauthorized_loader
    def missing(reason: str):
        return _unauthorized(f"Missing token: {reason}.")

    @jwt.needs_fresh_token_loader
    def needs_fresh(_header, _payload):
        return _unauthorized("A fresh token is required.")

    @jwt.token_verification_failed_loader
    def verification_failed(_header, _payload):
        return _unauthorized("The token was rejected.")


def current_session_id() -> uuid.UUID | None:
    owner = g.get("token_owner")
    return owner[1].id if owner else None
