"""Messages from jobs to a person's linked chat: never waiting in place for Telegram's limits.

A delivery is one message, rendered once in the chat's language, with a stable key given by the domain (a
reminder occurrence, a notification row): letters, digits, "-" and "_". `send_to_user` (called from a domain
job, after that job's own exactly-once claim) renders it and hands it to `_attempt`:

1. The chat's slot (TELEGRAM_CHAT_RATE). If it is in the future the delivery is re-scheduled for it
   (`deliver`, job `tg-<key>`, on the `deliveries` queue, which the worker takes from first: a slot is used
   when it comes, not after the burst of domain jobs that produced it) without touching the bot's global
   rate: one person's backlog of hundreds of messages never moves anybody else's slots.
2. At its chat slot, the bot's global slot (TELEGRAM_SEND_RATE); if that is in the future, re-scheduled once more.
   So a message runs at most three times before it is sent, however deep its chat's backlog (no herd retrying).
3. The send, at most once per attempt: a Redis SET NX on `telegram:sent:<key>:<attempt>` is taken first, so a
   job RQ runs twice sends nothing the second time (as the reminders' claims, at-most-once: a crash between the
   key and the send loses that message).
4. 429: re-scheduled after `retry_after` (capped by TELEGRAM_MAX_RETRY_AFTER); 5xx/timeouts: after the backoff
   (TELEGRAM_BACKOFF_SECONDS, doubling); both bounded by TELEGRAM_MAX_ATTEMPTS. 403 marks the link blocked.

A notification (`capped=True`: task assigned / overdue) counts against its recipient's NOTIFY_HOURLY_CAP for
the clock hour (a Redis counter); over it, its text's last line joins the hour's digest list and one digest job
(`notify-digest-<user>-<hour>`, `send_digest`) is scheduled for the end of the hour: a team
admin assigning hundreds of tasks to someone sends them at most the cap plus one message an hour.

Every run checks the link again: a deactivated account, an unlinked, moved or blocked chat gets nothing.
A delivery deferred by its own chat's backlog is sent however late (the REMINDER_STALE_SECONDS cut-off is for
the domain job: a reminder whose job itself ran late, the worker having been down).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.common import queue
from app.common.after_commit import after_commit
from app.extensions import db, redis_store
from app.notify import client
from app.notify.models import TelegramLink
from app.notify.texts import chat_language, t

log = logging.getLogger(__name__)
SENT_KEY = "telegram:sent:{key}:{attempt}"
SENT_TTL = 7 * 24 * 3600
HOUR = 3600
DIGEST_SHOWN = 10  # lines of the folded notifications the digest quotes; the rest are counted
COUNT_KEY = "notify:hour:{user_id}:{hour}"
DIGEST_KEY = "notify:digest:{user_id}:{hour}"


def active_link(user_id: int) -> TelegramLink | None:
    """The user's chat if a message may go there now: linked, not blocked, account active."""
    return db.session.scalar(
        select(TelegramLink)
        .join(User, User.id == TelegramLink.user_id)
        .where(TelegramLink.user_id == user_id, User.is_active.is_(True), TelegramLink.blocked_at.is_(None))
    )


def send_to_user(
    user_id: int,
    text: str | Callable[[str], str],
    *,
    key: str,
    markup: Callable[[str], dict] | None = None,
    capped: bool = False,
) -> str:
    """Send `text` (or `text(lang)`, in the chat's language, with `markup(lang)` as reply_markup) to the user's
    linked chat, now or at its slot. Returns "sent", "deferred" (re-scheduled, see the module docstring),
    "not sent" (not linked, blocked, deactivated: nothing will go out), "blocked" (403), "failed", or "folded"
    (`capped` and over the recipient's hourly cap: it goes out in the hour's digest)."""
    link = active_link(user_id)
    if link is None:
        return "not sent"
    lang = chat_language(link.language_code)
    body = text(lang) if callable(text) else text
    if capped and _fold_over_cap(user_id, body):
        return "folded"
    params = {"reply_markup": markup(lang)} if markup is not None else {}
    delivery = {
        "key": queue.checked_id(key),
        "user_id": user_id,
        "chat_id": link.chat_id,
        "text": body,
        "params": params,
        "attempt": 1,
        "chat_held": False,
        "global_held": False,
    }
    return _attempt(delivery)


def deliver(delivery: dict[str, Any]) -> str:
    """The job of a deferred delivery (at its slot, or after a 429/5xx): checks the link again, then tries."""
    link = active_link(delivery["user_id"])
    if link is None or link.chat_id != delivery["chat_id"]:
        log.info("delivery %s: the chat is no longer reachable, dropped", delivery["key"])
        return "not sent"
    return _attempt(delivery)


def _attempt(delivery: dict[str, Any]) -> str:
    if not delivery["global_held"]:
        kind, at = client.reserve(delivery["chat_id"], chat_held=delivery["chat_held"])
        if kind != client.SEND_NOW:
            held = {"chat_held": True, "global_held": kind == client.GLOBAL_SLOT}
            return _defer({**delivery, **held}, at)
    sent_key = SENT_KEY.format(key=delivery["key"], attempt=delivery["attempt"])
    if not redis_store.client.set(sent_key, "1", nx=True, ex=SENT_TTL):
        return "duplicate"
    params = {"chat_id": delivery["chat_id"], "text": delivery["text"], **delivery["params"]}
    outcome = client.call_once("sendMessage", params)
    if outcome.ok:
        return "sent"
    if outcome.blocked:
        client.mark_blocked(delivery["chat_id"])
        return "blocked"
    attempt = delivery["attempt"]
    if outcome.retry_in is None or attempt >= int(current_app.config["TELEGRAM_MAX_ATTEMPTS"]):
        log.warning("delivery %s: giving up after %d attempts", delivery["key"], attempt)
        return "failed"
    delay = outcome.retry_in if outcome.retry_in >= 0 else client.backoff(attempt)
    retry = {**delivery, "attempt": attempt + 1, "chat_held": False, "global_held": False}
    return _defer(retry, datetime.now(UTC).timestamp() + delay)


def _defer(delivery: dict[str, Any], at: float) -> str:
    """Once this job's transaction commits (and RQ has recorded its end), schedule `deliver` at `at` (Unix s)."""
    when = datetime.fromtimestamp(at, UTC)
    job_id = f"tg-{delivery['key']}"
    after_commit(
        lambda: queue.schedule_at(when, deliver, delivery, job_id=job_id, queue_name=queue.DELIVERIES),
        f"defer the delivery {delivery['key']}",
    )
    return "deferred"


def _fold_over_cap(user_id: int, body: str) -> bool:
    """Count the notification for this clock hour; over the cap, keep its last line for the hour's digest and
    make sure the digest is scheduled (one job per person and hour, at the hour's end). True when folded."""
    cap = int(current_app.config["NOTIFY_HOURLY_CAP"])
    if cap <= 0:
        return False
    hour = int(datetime.now(UTC).timestamp()) // HOUR
    conn = redis_store.client
    pipe = conn.pipeline()  # MULTI: the count and its expiry together
    pipe.incr(COUNT_KEY.format(user_id=user_id, hour=hour))
    pipe.expire(COUNT_KEY.format(user_id=user_id, hour=hour), 2 * HOUR)
    if int(pipe.execute()[0]) <= cap:
        return False
    pipe = conn.pipeline()
    pipe.rpush(DIGEST_KEY.format(user_id=user_id, hour=hour), (body.splitlines() or [""])[-1])
    pipe.expire(DIGEST_KEY.format(user_id=user_id, hour=hour), 2 * HOUR)
    pipe.execute()
    when = datetime.fromtimestamp((hour + 1) * HOUR, UTC)
    job_id = f"notify-digest-{int(user_id)}-{hour}"
    after_commit(
        lambda: queue.schedule_at(when, send_digest, user_id, hour, job_id=job_id, queue_name=queue.NOTIFICATIONS),
        f"schedule {job_id}",
    )
    return True


def take_digest(user_id: int, hour: int) -> list[str]:
    """The hour's folded lines, removed at once (a second run of the digest job finds none)."""
    pipe = redis_store.client.pipeline()
    key = DIGEST_KEY.format(user_id=user_id, hour=hour)
    pipe.lrange(key, 0, -1)
    pipe.delete(key)
    lines, _ = pipe.execute()
    return [line.decode() if isinstance(line, bytes) else line for line in lines]


def send_digest(user_id: int, hour: int) -> str:
    """At the end of the clock hour: one message with the notifications folded over the recipient's cap."""
    lines = take_digest(user_id, hour)
    if not lines:
        return "nothing"

    def text(lang: str) -> str:
        shown = [t(lang, "digest", num=len(lines)), *(f"• {line}" for line in lines[:DIGEST_SHOWN])]
        if len(lines) > DIGEST_SHOWN:
            shown.append(t(lang, "digest_more", count=len(lines) - DIGEST_SHOWN))
        return "\n".join(shown)

    return send_to_user(user_id, text, key=f"digest-{int(user_id)}-{int(hour)}")
