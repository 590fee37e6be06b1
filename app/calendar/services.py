"""Feed tokens (create, rotate, revoke, resolve) and the feed itself."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from sqlalchemy import delete, exists, select

from app.auth.models import User
from app.calendar.feed import FeedOwner, build_calendar
from app.calendar.models import CalendarFeed
from app.common.timeutil import utcnow
from app.errors import NotFound
from app.extensions import db, redis_store
from app.goals.services import goals_with_due_dates, viewer_today
from app.habits.services import habits_with_next_step
from app.teams.services import my_tasks_with_deadlines

log = logging.getLogger(__name__)

FEED_PATH = "/api/v1/calendar/feed.ics"


def token_digest(token: str) -> str:
    # The token carries 256 random bits, so a plain SHA-256 is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_feed_token(user: User, base_url: str) -> str:
    """Create or replace my feed token; the previous URL stops working in the same transaction."""
    token = secrets.token_urlsafe(32)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        db.session.add(CalendarFeed(user_id=user.id, token_hash=token_digest(token)))
    else:
        feed.token_hash = token_digest(token)
        feed.last_fetched_at = None
        feed.content_etag = feed.content_changed_at = None
    db.session.flush()
    return f"{base_url.rstrip('/')}{FEED_PATH}?token={token}"


def revoke_feed_token(user: User) -> None:
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))


def feed_is_active(user: User) -> bool:
    return bool(db.session.scalar(select(exists().where(CalendarFeed.user_id == user.id))))


def feed_status(_sender: object, user_id: Any, **_extra: object) -> tuple[str, Any, Callable[[Any], dict]]:
    """Listener of `auth.signals.profile_shown`: the profile says whether my feed URL is active."""
    return "calendar_feed", exists().where(CalendarFeed.user_id == user_id), lambda active: {"active": bool(active)}


def feed_for_token(token: str | None) -> CalendarFeed | None:
    """The live feed of this token with its owner loaded (one query), or None (unknown, revoked, or the
    owner is deactivated)."""
    if not token or len(token) > 128:
        return None
    digest = token_digest(token)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == digest))
    if feed is None or not hmac.compare_digest(feed.token_hash, digest) or not feed.user.is_active:
        return None
    return feed


def user_for_feed_token(token: str | None) -> User | None:
    feed = feed_for_token(token)
    return feed.user if feed is not None else None


# --- the feed -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str  # without quotes
    last_modified: datetime


def feed_goals(user: User) -> list:
    return goals_with_due_dates(user)


def feed_tasks(user: User) -> list:
    return my_tasks_with_deadlines(user)


def feed_habits(user: User) -> list:
    return habits_with_next_step(user)


FEED_FORMAT = 1  # bump when feed.py renders differently, so cached bodies of the old shape are not served
BODY_CACHE_TTL = 24 * 3600


def _body_key(feed_id: int, fingerprint: str) -> str:
    return f"calendar:feed-body:{feed_id}:{fingerprint}"


def _cached_body(feed_id: int, fingerprint: str) -> bytes | None:
    try:
        return redis_store.client.get(_body_key(feed_id, fingerprint))
    except redis.RedisError:
        log.warning("calendar body cache unavailable, rendering")
        return None


def _store_body(feed_id: int, fingerprint: str, body: bytes) -> None:
    try:
        redis_store.client.set(_body_key(feed_id, fingerprint), body, ex=BODY_CACHE_TTL)
    except redis.RedisError:
        log.warning("calendar body cache unavailable, not stored")


def _newest(rows: Iterable, *columns: str) -> datetime | None:
    stamps = [getattr(row, column) for row in rows for column in columns if getattr(row, column) is not None]
    return max(stamps, default=None)


def render_feed(token: str | None, include: Iterable[str], domain: str, now: datetime | None = None) -> RenderedFeed:
    """The body, its ETag and Last-Modified for the owner of `token`; NotFound for a dead token.

    A constant number of statements: the token (with its owner), one per included source, and an
    UPDATE of the feed row only when the body differs from the one served last.
    """
    feed = feed_for_token(token)
    if feed is None:
        raise NotFound("Calendar feed not found.")
    user, now, include = feed.user, now or utcnow(), set(include)
    goals = feed_goals(user) if "goals" in include else []
    tasks = feed_tasks(user) if "tasks" in include else []
    habits = feed_habits(user) if "habits" in include else []
    today = viewer_today(user, now)
    # Everything the body depends on: the same inputs give the same bytes, so a poll of an unchanged feed
    # reuses the body instead of serializing thousands of events again.
    fingerprint = hashlib.sha256(
        repr((FEED_FORMAT, user.username, user.timezone, today, domain, sorted(include), goals, tasks, habits)).encode()
    ).hexdigest()
    body = _cached_body(feed.id, fingerprint)
    if body is None:
        body = build_calendar(
            FeedOwner(user.username, user.timezone), goals=goals, tasks=tasks, habits=habits, today=today, domain=domain
        )
        _store_body(feed.id, fingerprint, body)
    etag = hashlib.sha256(body).hexdigest()
    if feed.content_etag != etag:
        # One stored ETag per feed: two subscriptions with different `include` make every poll look like a
        # change, so If-Modified-Since then never answers 304 (If-None-Match still does). Never stale.
        if feed.content_etag is not None:
            feed.content_changed_at = now
        feed.content_etag = etag
        db.session.flush()
    candidates = [
        feed.created_at,
        feed.content_changed_at,
        _newest(goals, "updated_at", "category_updated_at"),
        _newest(tasks, "updated_at"),
        _newest(habits, "updated_at", "related_updated_at"),
    ]
    return RenderedFeed(body, etag, max(stamp for stamp in candidates if stamp is not None))
