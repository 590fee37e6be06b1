"""Who is using the admin: a superuser logged in through the admin's own form, re-checked on every request.

The login lives in Flask's signed session cookie (HttpOnly, SameSite=Lax, Secure when configured), never in
a JWT: the API keeps reading only `Authorization` headers, so this cookie gives nothing there.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from flask import current_app, request, session
from limits import parse

from app.auth.models import User
from app.extensions import db, limiter

log = logging.getLogger(__name__)

SESSION_KEY = "admin_uid"
FINGERPRINT_KEY = "admin_fp"
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
    request.environ[CACHE_KEY] = user


def end_admin_session() -> None:
    session.clear()
    request.environ[CACHE_KEY] = None


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
        ):
            log.info("admin session of user %s ended (deactivated, demoted or password changed)", user_id)
            session.clear()
            user = None
    request.environ[CACHE_KEY] = user
    return user


class LoginThrottle:
    """Failed admin logins count per client and per username with the app's limiter and RATELIMIT_LOGIN."""

    def __init__(self, ip: str, username: str) -> None:
        self.keys = (("admin-login-ip", ip), ("admin-login-user", username.lower()[:150] or "-"))

    @property
    def _item(self):
        return parse(current_app.config["RATELIMIT_LOGIN"])

    def blocked(self) -> int:
        """Seconds to wait when any key is exhausted, else 0."""
        try:
            for scope, value in self.keys:
                if not limiter.limiter.test(self._item, scope, value):
                    reset, _remaining = limiter.limiter.get_window_stats(self._item, scope, value)
                    return max(1, int(reset - time.time()))
        except Exception:  # a storage outage must not lock admins out (same as RATELIMIT_SWALLOW_ERRORS)
            log.exception("admin login limiter unavailable")
        return 0

    def failed(self) -> None:
        try:
            for scope, value in self.keys:
                limiter.limiter.hit(self._item, scope, value)
        except Exception:
            log.exception("admin login limiter unavailable")
