"""Who may try a password how often (login, the admin's login, the password change).

- Wrong passwords count per (username, address) and per address: a guesser is stopped, and so is a sprayer
  of usernames, while the owner on their own address keeps their own budget.
- Per username there is only a higher, soft ceiling: past it every attempt for that name waits
  LOGIN_SLOWDOWN_SECONDS first, so a botnet guessing one account is slowed, but nobody can lock its owner out.
- Successful logins count per (username, address) too (each one creates a session and costs a hash).
Every slot is taken before the password is checked (app.common.throttle), so a parallel burst cannot overshoot.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from app.common.throttle import Bucket, Reservation, add, reserve

TOO_MANY = "Too many failed attempts, try again later."


class Attempt:
    """One password attempt: call `succeeded()` when the password was right (its failure slots are returned)."""

    def __init__(self, reservation: Reservation, user_bucket: Bucket | None) -> None:
        self._reservation = reservation
        self._user_bucket = user_bucket
        self.ok = False

    def succeeded(self) -> None:
        self.ok = True

    def _finish(self) -> None:
        if self.ok:
            self._reservation.release("login-fail-ip", "login-fail-user-ip", "password-fail-user", "password-fail-ip")
            return
        self._reservation.release("login-ok-user-ip")
        if self._user_bucket is not None:
            add(self._user_bucket)


@contextmanager
def login_attempt(username: str, address: str, *, scope: str = "api") -> Iterator[Attempt]:
    """Guard one login; raises RateLimited before the password is even looked at when a budget is spent."""
    cfg = current_app.config
    name = (username or "").strip().lower() or "-"
    user_bucket = Bucket(f"login-fail-user-{scope}", name, cfg["RATELIMIT_LOGIN_USER"])
    reservation = reserve(
        Bucket("login-fail-ip", f"{scope}|{address}", cfg["RATELIMIT_LOGIN"]),
        Bucket("login-fail-user-ip", f"{scope}|{name}|{address}", cfg["RATELIMIT_LOGIN"]),
        Bucket("login-ok-user-ip", f"{scope}|{name}|{address}", cfg["RATELIMIT_LOGIN_SUCCESS"]),
        Bucket(user_bucket.name, user_bucket.identity, user_bucket.limit, soft=True),
        message=TOO_MANY,
    )
    if user_bucket.name in reservation.over:
        time.sleep(cfg["LOGIN_SLOWDOWN_SECONDS"])  # gevent's monkey patching makes this a cooperative wait
    # The soft bucket counts failures only: take this attempt's mark back, `_finish` adds it on failure.
    reservation.release(user_bucket.name)
    attempt = Attempt(reservation, user_bucket)
    try:
        yield attempt
    finally:
        attempt._finish()


@contextmanager
def password_check(user_id: int, address: str) -> Iterator[Attempt]:
    """Guard a check of the current password by a signed-in user (a stolen token must not become an oracle)."""
    cfg = current_app.config
    reservation = reserve(
        Bucket("password-fail-user", str(user_id), cfg["RATELIMIT_PASSWORD_CHANGE"]),
        Bucket("password-fail-ip", address, cfg["RATELIMIT_LOGIN"]),
        message=TOO_MANY,
    )
    attempt = Attempt(reservation, None)
    try:
        yield attempt
    finally:
        attempt._finish()
