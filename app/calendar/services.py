"""Feed tokens (create, rotate, revoke, resolve) and the feed itself."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import delete, exists, select

from app.auth.models import User
from app.calendar.models import CalendarFeed
from app.extensions import db

FEED_PATH = "/api/v1/calendar/feed.ics"


def _hash(token: str) -> str:
    # The token carries 256 random bits, so a plain SHA-256 is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_feed_token(user: User, base_url: str) -> str:
    """Create or replace my feed token; the previous URL stops working in the same transaction."""
    token = secrets.token_urlsafe(32)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        db.session.add(CalendarFeed(user_id=user.id, token_hash=_hash(token)))
    else:
        feed.token_hash = _hash(token)
        feed.last_fetched_at = None
    db.session.flush()
    return f"{base_url.rstrip('/')}{FEED_PATH}?token={token}"


def revoke_feed_token(user: User) -> None:
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))


def feed_is_active(user: User) -> bool:
    return bool(db.session.scalar(select(exists().where(CalendarFeed.user_id == user.id))))


def user_for_feed_token(token: str | None) -> User | None:
    """The owner of a live feed token, or None (unknown, revoked, or the owner is deactivated)."""
    if not token or len(token) > 128:
        return None
    digest = _hash(token)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == digest))
    if feed is None or not hmac.compare_digest(feed.token_hash, digest) or not feed.user.is_active:
        return None
    return feed.user
