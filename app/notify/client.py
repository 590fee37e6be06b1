"""The one module that speaks HTTP to Telegram: `{TELEGRAM_API_URL}/bot{token}/{method}`, and its limiter.

* Rates, shared by every process through Redis (one Lua script, the Redis clock): TELEGRAM_SEND_RATE messages/s
  for the bot as a whole (a burst of one second's worth) and TELEGRAM_CHAT_RATE per chat. Both are GCRA
  reservations ("theoretical arrival times"): asking never waits, it returns the time of the slot it reserved.
* Jobs (reminders, notifications) send through `app.notify.delivery`, which re-schedules a message for its slot
  instead of waiting. `send_message` here is the bot process's way to answer the person who just wrote: it
  waits for its global slot and retries 429/5xx in place (that process is not a job queue).
* 403 (the user blocked the bot): recorded on TelegramLink.blocked_at by the caller's `mark_blocked`.
* The bot token is part of every URL: nothing here logs a URL or an exception text that could carry it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from flask import current_app
from sqlalchemy import update

from app.common.timeutil import utcnow
from app.extensions import db, redis_store
from app.notify.models import TelegramLink

log = logging.getLogger(__name__)

GLOBAL_KEY = "telegram:tat:global"
CHAT_KEY = "telegram:tat:chat:{chat_id}"
# KEYS[1] the chat's theoretical arrival time (ms), KEYS[2] the bot's. ARGV: chat interval ms (0: the chat's slot
# is already held, or no per-chat rate), global interval ms (0: no global rate), global burst tolerance ms.
# Returns {kind, at}: 0 = send now; 1 = the chat's slot `at` is reserved (the bot's rate untouched: one chat's
# backlog never moves everyone's slots); 2 = the bot's slot `at` is reserved (the chat's too).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local chat = tonumber(ARGV[1])
if chat > 0 then
  local tat = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
  redis.call('SET', KEYS[1], tat + chat, 'PX', tat + chat - now + 1000)
  if tat > now then return {1, tat} end
end
local interval = tonumber(ARGV[2])
if interval > 0 then
  local tat = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0'))
  redis.call('SET', KEYS[2], tat + interval, 'PX', tat + interval - now + 1000)
  local slot = tat - tonumber(ARGV[3])
  if slot > now then return {2, slot} end
end
return {0, now}
"""
SEND_NOW, CHAT_SLOT, GLOBAL_SLOT = 0, 1, 2


def _interval_ms(rate: float) -> int:
    return int(round(1000 / rate)) if rate > 0 else 0


def reserve(chat_id: int | None, *, chat_held: bool = False) -> tuple[int, float]:
    """Reserve the next slot: (SEND_NOW, now) or (CHAT_SLOT | GLOBAL_SLOT, the slot's Unix time in seconds).

    `chat_held`: the caller already holds its chat slot (it was deferred to it), so only the bot's rate is asked.
    Raises when Redis does not answer (callers decide: a job fails, the bot uses its own process's bucket).
    """
    cfg = current_app.config
    chat = 0 if chat_held or chat_id is None else _interval_ms(float(cfg["TELEGRAM_CHAT_RATE"]))
    interval = _interval_ms(float(cfg["TELEGRAM_SEND_RATE"]))
    tolerance = max(0, int(float(cfg["TELEGRAM_SEND_RATE"])) - 1) * interval  # a burst of one second's worth
    key = CHAT_KEY.format(chat_id=int(chat_id or 0))
    kind, at = redis_store.client.eval(_RESERVE, 2, key, GLOBAL_KEY, chat, interval, tolerance)
    return int(kind), int(at) / 1000


# --- one HTTP call -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one Bot API call came to. `retry_in` ≥ 0 when it may be tried again (429: Telegram's retry_after;
    5xx, timeouts, connection errors: -1, the caller's backoff); `blocked` on 403."""

    result: dict | None = None
    retry_in: float | None = None
    blocked: bool = False

    @property
    def ok(self) -> bool:
        return self.result is not None


def call_once(method: str, params: dict[str, Any], *, timeout: float | None = None) -> Outcome:
    cfg = current_app.config
    url = f"{cfg['TELEGRAM_API_URL']}/bot{cfg['TELEGRAM_BOT_TOKEN']}/{method}"
    try:
        response = requests.post(url, json=params, timeout=timeout or float(cfg["TELEGRAM_TIMEOUT"]))
    except requests.RequestException as exc:
        log.warning("telegram %s: %s", method, exc.__class__.__name__)  # never the message: it holds the URL
        return Outcome(retry_in=-1)
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 200 and body.get("ok"):
        return Outcome(result=body.get("result") or {})
    if response.status_code == 429:
        retry_after = float((body.get("parameters") or {}).get("retry_after") or 1)
        log.info("telegram %s: 429, retry after %ss", method, retry_after)
        return Outcome(retry_in=min(retry_after, float(cfg["TELEGRAM_MAX_RETRY_AFTER"])))
    if response.status_code >= 500:
        log.warning("telegram %s: %s", method, response.status_code)
        return Outcome(retry_in=-1)
    if response.status_code == 403:
        return Outcome(blocked=True)
    log.warning(
        "telegram %s: refused with %s: %s", method, response.status_code, str(body.get("description", ""))[:200]
    )
    return Outcome()


def backoff(attempt: int) -> float:
    """Seconds before attempt `attempt + 1` after a 5xx or a timeout (TELEGRAM_BACKOFF_SECONDS, doubling)."""
    return float(current_app.config["TELEGRAM_BACKOFF_SECONDS"]) * 2 ** (attempt - 1)


def mark_blocked(chat_id: int) -> None:
    log.info("telegram: chat %s blocked the bot", chat_id)
    db.session.execute(
        update(TelegramLink)
        .where(TelegramLink.chat_id == chat_id, TelegramLink.blocked_at.is_(None))
        .values(blocked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# --- the bot process: answers wait in place --------------------------------------------------------------

_local_lock = threading.Lock()
_local_next = [0.0]


def _wait_for_global_slot() -> None:
    try:
        kind, at = reserve(None)
        wait = at - time.time() if kind != SEND_NOW else 0
    except Exception as exc:  # Redis down: this process keeps the rate by itself
        log.warning("telegram rate limiter: redis unavailable (%s)", exc.__class__.__name__)
        rate = float(current_app.config["TELEGRAM_SEND_RATE"])
        with _local_lock:
            now = time.monotonic()
            slot = max(now, _local_next[0])
            _local_next[0] = slot + (1 / rate if rate > 0 else 0)
        wait = slot - now
    if wait > 0:
        time.sleep(wait)


def send_message(chat_id: int, text: str, **params: Any) -> bool:
    """The bot's reply to a chat (waits for the bot's rate, retries 429/5xx in place, TELEGRAM_MAX_ATTEMPTS);
    True when Telegram accepted it. A 403 marks the chat's link blocked. Jobs use app.notify.delivery instead."""
    attempts = max(1, int(current_app.config["TELEGRAM_MAX_ATTEMPTS"]))
    for attempt in range(1, attempts + 1):
        _wait_for_global_slot()
        outcome = call_once("sendMessage", {"chat_id": chat_id, "text": text, **params})
        if outcome.ok:
            return True
        if outcome.blocked:
            mark_blocked(chat_id)
            return False
        if outcome.retry_in is None or attempt == attempts:
            break
        time.sleep(outcome.retry_in if outcome.retry_in >= 0 else backoff(attempt))
    log.warning("telegram sendMessage: giving up after %d attempts", attempt)
    return False


# --- the bot's username ------------------------------------------------------------------------------------

USERNAME_KEY = "telegram:bot-username"
USERNAME_TTL = 24 * 3600
USERNAME_TIMEOUT = 3.0  # the web request asking for it waits at most this long, once


def remember_bot_username(username: str | None) -> None:
    """The bot process stores its @username when polling starts, so web requests never have to ask Telegram."""
    if username:
        redis_store.client.set(USERNAME_KEY, username, ex=USERNAME_TTL)


def bot_username() -> str | None:
    """The bot's @username: from Redis (set by the bot process), else ONE short getMe (no retries, no backoff:
    a web request is waiting); None when Telegram does not answer."""
    cached = redis_store.client.get(USERNAME_KEY)
    if cached:
        return cached.decode() if isinstance(cached, bytes) else cached
    timeout = min(float(current_app.config["TELEGRAM_TIMEOUT"]), USERNAME_TIMEOUT)
    username = (call_once("getMe", {}, timeout=timeout).result or {}).get("username")
    remember_bot_username(username)
    return username
