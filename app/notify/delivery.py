"""Messages from jobs to a person's linked chat: never waiting in place for Telegram's limits.

A delivery is one message, rendered once in the chat's language, with a stable key given by the domain (a
reminder occurrence, a notification row): letters, digits, "-" and "_". `send_to_user` (called from a domain
job, after that job's own exactly-once claim) renders it and hands it to `_attempt`:

1. The chat's slot (TELEGRAM_CHAT_RATE). If it is in the future the delivery is re-scheduled for it
   (`deliver`, job `tg-<key>`, on the domain's queue) without touching the bot's global rate: one person's
   backlog of hundreds of messages never moves anybody else's slots.
2. At its chat slot, the bot's global slot (TELEGRAM_SEND_RATE); if that is in the future, re-scheduled once more.
   So a message runs at most three times before it is sent, however deep its chat's backlog (no herd retrying).
3. The send, at most once per attempt: a Redis SET NX on `telegram:sent:<key>:<attempt>` is taken first, so a
   job RQ runs twice sends nothing the second time (as the reminders' claims, at-most-once: a crash between the
   key and the send loses that message).
4. 429: re-scheduled after `retry_after` (capped by TELEGRAM_MAX_RETRY_AFTER); 5xx/timeouts: after the backoff
   (TELEGRAM_BACKOFF_SECONDS, doubling); both bounded by TELEGRAM_MAX_ATTEMPTS. 403 marks the link blocked.

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
from app.notify.texts import chat_language

log = logging.getLogger(__name__)
SENT_KEY = "telegram:sent:{key}:{attempt}"
SENT_TTL = 7 * 24 * 3600


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
    queue_name: str,
    markup: Callable[[str], dict] | None = None,
) -> str:
    """Send `text` (or `text(lang)`, in the chat's language, with `markup(lang)` as reply_markup) to the user's
    linked chat, now or at its slot. Returns "sent", "deferred" (re-scheduled, see the module docstring),
    "not sent" (not linked, blocked, deactivated: nothing will go out), "blocked" (403) or "failed"."""
    link = active_link(user_id)
    if link is None:
        return "not sent"
    lang = chat_language(link.language_code)
    params = {"reply_markup": markup(lang)} if markup is not None else {}
    delivery = {
        "key": queue.checked_id(key),
        "user_id": user_id,
        "chat_id": link.chat_id,
        "text": text(lang) if callable(text) else text,
        "params": params,
        "queue": queue_name,
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
        lambda: queue.schedule_at(when, deliver, delivery, job_id=job_id, queue_name=delivery["queue"]),
        f"defer the delivery {delivery['key']}",
    )
    return "deferred"
