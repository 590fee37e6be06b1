"""Account rules: signup, login, sessions, profile, password change."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, delete, func, or_, select, update

from app.auth import owner_cache
from app.auth.models import AuthSession, TokenOwner, User
from app.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from app.auth.signals import profile_shown, sessions_revoked, timezone_changed, user_created
from app.auth.throttle import login_attempt, password_check
from app.auth.tokens import issue_tokens
from app.common.hot import HotStatement
from app.common.timeutil import utcnow
from app.errors import Conflict, Unauthorized, ValidationFailed
from app.extensions import db

LOGIN_FAILED = "Invalid username or password."


def get_user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


class Profile:
    """A user as UserSchema shows them: the user's own attributes, and the fields other domains add."""

    def __init__(self, user: User | TokenOwner, added: dict[str, Any]) -> None:
        self.__dict__.update(added)
        self._user = user

    def __getattr__(self, name: str) -> Any:  # only for what `added` does not have
        return getattr(self._user, name)

    def fields(self, names: Iterable[str]) -> dict[str, Any]:
        """The named fields as one dict (for a response rendered without the schema's dump)."""
        return {name: getattr(self, name) for name in names}


_PROFILE_FIELDS = "kalendar_profile_fields"


def _profile_fields() -> tuple[tuple[tuple[str, Callable[[Any], Any]], ...], HotStatement | None]:
    """The fields other domains add, asked once per app: their names and shapes, and the one statement."""
    known = current_app.extensions.get(_PROFILE_FIELDS)
    if known is None:
        app = current_app._get_current_object()
        added = [result for _listener, result in profile_shown.send(app, user_id=bindparam("user_id"))]
        columns = [expression.label(field) for field, expression, _ in added]
        statement = HotStatement(select(*columns)) if columns else None
        known = (tuple((field, shape) for field, _, shape in added), statement)
        current_app.extensions[_PROFILE_FIELDS] = known
    return known


def profile(user: User | TokenOwner) -> Profile:
    """The user with the fields other domains add (listeners of `profile_shown`), all of them in one query."""
    fields, statement = _profile_fields()
    if statement is None:
        return Profile(user, {})
    values = owner_cache.cached_profile(user.id)
    if values is None:
        values = statement.first(user_id=user.id)
        owner_cache.store_profile(user.id, list(values))
    return Profile(user, {field: shape(value) for (field, shape), value in zip(fields, values, strict=True)})


def check_password_strength(password: str, user_fields: dict[str, Any], field: str = "password") -> None:
    problems = password_problems(
        password,
        username=user_fields.get("username") or "",
        email=user_fields.get("email") or "",
        first_name=user_fields.get("first_name") or "",
        last_name=user_fields.get("last_name") or "",
    )
    if problems:
        raise ValidationFailed({field: problems})


def create_user(
    *,
    username: str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    timezone: str | None = None,
    is_superuser: bool = False,
) -> User:
    """Create an account (password or social). Usernames are unique whatever their case."""
    if get_user_by_username(username) is not None:
        raise Conflict("This username is taken.", {"json": {"username": ["This username is taken."]}})
    user = User(
        username=username,
        email=email or "",
        first_name=first_name or "",
        last_name=last_name or "",
        timezone=timezone or current_app.config["DEFAULT_TIMEZONE"],
        is_superuser=is_superuser,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(user)
    db.session.flush()
    user_created.send(current_app._get_current_object(), user=user)
    return user


def signup(data: dict[str, Any]) -> User:
    check_password_strength(data["password"], data)
    return create_user(
        username=data["username"],
        password=data["password"],
        email=data.get("email", ""),
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
    )


def authenticate(username: str, password: str) -> User:
    """The user for these credentials; one vague error whether the name or the password was wrong."""
    user = get_user_by_username(username)
    # Always run one hash check, so a missing user takes as long as a wrong password.
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        raise Unauthorized(LOGIN_FAILED)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User, user_agent: str = "") -> dict[str, str]:
    session_id = uuid.uuid4()
    tokens, refresh_jti = issue_tokens(user, session_id)
    db.session.add(
        AuthSession(id=session_id, user_id=user.id, refresh_jti=refresh_jti, user_agent=(user_agent or "")[:255])
    )
    user.last_login = utcnow()
    db.session.flush()
    return tokens


def login(username: str, password: str, address: str, user_agent: str = "") -> tuple[User, dict[str, str]]:
    """Check the password under the login limits (app.auth.throttle), then open a session."""
    with login_attempt(username, address) as attempt:
        user = authenticate(username, password)
        attempt.succeeded()
    prune_sessions(user)
    return user, start_session(user, user_agent)


def prune_sessions(user: User | None = None) -> int:
    """Delete sessions that ended (revoked, or past their refresh or absolute lifetime) AUTH_SESSION_KEEP ago.

    A missing row refuses its tokens exactly like a revoked one, so this only keeps the table (and the
    admin's session list) from growing with every login; at login for that user, and hourly for everyone.
    """
    cfg = current_app.config
    now = utcnow()
    keep = timedelta(seconds=cfg["AUTH_SESSION_KEEP"])
    idle = timedelta(seconds=cfg["JWT_REFRESH_TTL"]) + keep
    stmt = delete(AuthSession).where(
        or_(
            AuthSession.revoked_at < now - keep,
            func.coalesce(AuthSession.refreshed_at, AuthSession.created_at) < now - idle,
            AuthSession.created_at < now - timedelta(seconds=cfg["JWT_SESSION_MAX_AGE"]) - keep,
        )
    )
    if user is not None:
        stmt = stmt.where(AuthSession.user_id == user.id)
    # Only sessions that already refuse their tokens go (an access token dies long before): no cached owner changes.
    options = {"synchronize_session": False, "owner_cache_unaffected": True}
    return db.session.execute(stmt.execution_options(**options)).rowcount


def rotate_refresh(user: User, session_id: uuid.UUID, used_jti: str) -> dict[str, str]:
    """Swap the refresh token. Of two refreshes with the same token only one wins; the loser presented a token
    that was already rotated, which is reuse: the whole session ends (RFC 9700 4.14.2)."""
    tokens, refresh_jti = issue_tokens(user, session_id)
    won = db.session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.refresh_jti == used_jti, AuthSession.revoked_at.is_(None))
        .values(refresh_jti=refresh_jti, refreshed_at=utcnow())
        # The owner cache holds neither column (refresh tokens are always checked against PostgreSQL).
        .execution_options(synchronize_session=False, owner_cache_unaffected=True)
    ).rowcount
    if not won:
        revoke_session(session_id, user.id)
        db.session.commit()  # the 401 below must not roll the revocation back
        raise Unauthorized("The token has been revoked.")
    return tokens


def revoke_session(session_id: uuid.UUID, user_id: int | None = None) -> None:
    stmt = update(AuthSession).where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
    if user_id is not None:
        stmt = stmt.where(AuthSession.user_id == user_id)
    owners = db.session.scalars(
        stmt.values(revoked_at=utcnow()).returning(AuthSession.user_id).execution_options(synchronize_session=False)
    ).all()
    for owner in set(owners):
        sessions_revoked.send(current_app._get_current_object(), user_id=owner)


def revoke_all_sessions(user: User, *, keep: uuid.UUID | None = None) -> None:
    stmt = update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    db.session.execute(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    # Also on deactivation with no live session left: its sockets must close all the same.
    sessions_revoked.send(current_app._get_current_object(), user_id=user.id)


def logout(user: User, session_id: uuid.UUID, refresh_session_id: uuid.UUID | None = None) -> None:
    """Both tokens of the session die together; a refresh token of another of my sessions may go too."""
    revoke_session(session_id, user.id)
    if refresh_session_id is not None and refresh_session_id != session_id:
        revoke_session(refresh_session_id, user.id)


def update_profile(user: User, data: dict[str, Any]) -> User:
    moved = "timezone" in data and data["timezone"] != user.timezone
    for key, value in data.items():
        setattr(user, key, value)
    db.session.flush()
    if moved:
        timezone_changed.send(current_app._get_current_object(), user=user)
    return user


def change_password(
    user: User, current_session: uuid.UUID | None, old_password: str, new_password: str, address: str
) -> None:
    """Wrong current passwords are limited like logins: a stolen access token must not be a password oracle."""
    with password_check(user.id, address) as attempt:
        if not verify_password(user.password_hash, old_password):
            raise ValidationFailed({"old_password": ["The current password is wrong."]})
        attempt.succeeded()
    check_password_strength(
        new_password,
        {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
        },
        field="new_password",
    )
    user.password_hash = hash_password(new_password)
    revoke_all_sessions(user, keep=current_session)
    db.session.flush()


def set_password(user: User, new_password: str) -> None:
    """Operator path (CLI, admin): same strength rules, every session ends."""
    check_password_strength(new_password, {"username": user.username, "email": user.email}, field="password")
    user.password_hash = hash_password(new_password)
    revoke_all_sessions(user)
    db.session.flush()


def set_active(user: User, active: bool) -> None:
    user.is_active = active
    if not active:
        revoke_all_sessions(user)
    db.session.flush()
