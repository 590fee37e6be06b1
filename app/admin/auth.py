"""Who is using the admin: a superuser logged in through the admin's own form, re-checked on every request.

The login lives in Flask's signed session cookie (HttpOnly, SameSite=Lax, Secure when configured), never in
a JWT: the API keeps reading only `Authorization` headers, so this cookie gives nothing there.
The cookie alone is not enough: it names a server-side record (Redis, the cookie's lifetime) that logout
deletes, so a copy of the cookie taken before logout opens nothing afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from flask import current_app, request, session

from app.auth.models import User
from app.extensions import db, redis_store

log = logging.getLogger(__name__)

SESSION_KEY = "admin_uid"
FINGERPRINT_KEY = "admin_fp"
SID_KEY = "admin_sid"
LIVE_PREFIX = "kalendar:admin-session:"
CACHE_KEY = "kalendar.admin_user"


def _fingerprint(user: User) -> str:
    """Changes whenever the password does, so a password reset ends every admin session of that user."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:32]


def start_admin_session(user: User) -> None:
    session.clear()  # no fixation: nothing from before the login survives
    session.permanent = True
    session[SESSION_KEY] = user.id
    session[FINGERPRINT_KEY] = _fingerprint(user)
    sid = secrets.token_urlsafe(24)
    session[SID_KEY] = sid
    redis_store.client.set(LIVE_PREFIX + sid, user.id, ex=int(current_app.config["PERMANENT_SESSION_LIFETIME"]))
    request.environ[CACHE_KEY] = user


def end_admin_session() -> None:
    sid = session.get(SID_KEY)
    if isinstance(sid, str):
        redis_store.client.delete(LIVE_PREFIX + sid)
    session.clear()
    request.environ[CACHE_KEY] = None


def _live(user_id: int) -> bool:
    sid = session.get(SID_KEY)
    if not isinstance(sid, str):
        return False
    stored = redis_store.client.get(LIVE_PREFIX + sid)
    return stored is not None and stored.decode() == str(user_id)


def current_admin() -> User | None:
    """The logged-in superuser, or None. A deactivated or demoted user's session ends here, at once."""
    if CACHE_KEY in request.environ:  # once per request (menus ask every view)
        return request.environ[CACHE_KEY]
    user = None
    user_id = session.get(SESSION_KEY)
    if isinstance(user_id, int):
        user = db.session.get(User, user_id)
        if (
            user is None
            or not user.is_active
            or not user.is_superuser
            or not hmac.compare_digest(session.get(FINGERPRINT_KEY, ""), _fingerprint(user))
            or not _live(user_id)
        ):
            log.info("admin session of user %s ended (logged out, deactivated, demoted or password changed)", user_id)
            session.clear()
            user = None
    request.environ[CACHE_KEY] = user
    return user
