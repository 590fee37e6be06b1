"""The bot's heartbeat: a Redis key refreshed every poll cycle, read by /readyz and `flask bot status`.

`ok` — beat within BOT_HEARTBEAT_STALE seconds; `stale` — an older beat (the bot hangs or died recently);
`unknown` — no beat on record (never started, dead for a day, or Redis does not answer).
"""

from __future__ import annotations

import logging
import time

from flask import current_app

from app.extensions import redis_store

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "bot:heartbeat"
HEARTBEAT_TTL = 24 * 3600


def beat(now: float | None = None) -> None:
    try:
        redis_store.client.set(HEARTBEAT_KEY, f"{now or time.time():.3f}", ex=HEARTBEAT_TTL)
    except Exception as exc:  # noqa: BLE001  (a missed beat must not stop polling)
        log.warning("bot heartbeat: redis unavailable (%s)", exc.__class__.__name__)


def status(now: float | None = None) -> tuple[str, float | None]:
    """(`ok` | `stale` | `unknown`, seconds since the last beat or None)."""
    try:
        raw = redis_store.client.get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001
        return "unknown", None
    if raw is None:
        return "unknown", None
    try:
        age = max(0.0, (now or time.time()) - float(raw))
    except ValueError:
        return "unknown", None
    return ("ok" if age <= float(current_app.config["BOT_HEARTBEAT_STALE"]) else "stale"), age
