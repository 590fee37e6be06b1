"""The one module that sends to Telegram: `{TELEGRAM_API_URL}/bot{token}/{method}`.

* A global send rate (TELEGRAM_SEND_RATE messages/s) shared by every worker: a token bucket in Redis,
  updated atomically by a Lua script using the Redis clock (a per-process bucket while Redis fails).
* HTTP 429: waits `parameters.retry_after` (capped by TELEGRAM_MAX_RETRY_AFTER) and tries again.
* 5xx, timeouts and connection errors: bounded retries with exponential backoff (TELEGRAM_MAX_ATTEMPTS).
* 403 (the user blocked the bot): gives up and records it on TelegramLink.blocked_at.
* The bot token is part of every URL: nothing here logs a URL or an exception text that could carry it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from flask import current_app
from sqlalchemy import select, update

from app.auth.models import User
from app.common.timeutil import utcnow
from app.extensions import db, redis_store
from app.notify.models import TelegramLink
from app.notify.texts import chat_language

log = logging.getLogger(__name__)

RATE_KEY = "telegram:send-bucket"
# KEYS[1] bucket; ARGV rate (tokens/s), capacity. Returns 0 when a token was taken, else ms to wait.
_BUCKET = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
return wait
"""

_local_lock = threading.Lock()
_local_state = {"tokens": None, "ts": 0.0}


class _Retry(Exception):
    def __init__(self, delay: float) -> None:
        self.delay = delay


def _take_token() -> None:
    """Block until the shared bucket lets one message through."""
    rate = float(current_app.config["TELEGRAM_SEND_RATE"])
    if rate <= 0:
        return
    capacity = max(1.0, rate)  # at most one second's worth in a burst
    client = redis_store.client
    while True:
        try:
            wait_ms = int(client.eval(_BUCKET, 1, RATE_KEY, rate, capacity))
        except Exception as exc:  # Redis down: fall back to this process's bucket
            log.warning("telegram rate limiter: redis unavailable (%s)", exc.__class__.__name__)
            wait_ms = _take_local(rate, capacity)
        if wait_ms <= 0:
            return
        time.sleep(wait_ms / 1000)


def _take_local(rate: float, capacity: float) -> int:
    with _local_lock:
        now = time.monotonic()
        tokens = _local_state["tokens"]
        tokens = capacity if tokens is None else min(capacity, tokens + (now - _local_state["ts"]) * rate)
        _local_state["ts"] = now
        if tokens >= 1:
            _local_state["tokens"] = tokens - 1
            return 0
        _local_state["tokens"] = tokens
        return int((1 - tokens) * 1000 / rate) + 1


def _call(method: str, params: dict[str, Any]) -> dict | None:
    """One Bot API call with retries; returns the result, None when Telegram refused for good.

    Raises _Blocked on 403.
    """
    cfg = current_app.config
    url = f"{cfg['TELEGRAM_API_URL']}/bot{cfg['TELEGRAM_BOT_TOKEN']}/{method}"
    attempts = max(1, int(cfg["TELEGRAM_MAX_ATTEMPTS"]))
    backoff = float(cfg["TELEGRAM_BACKOFF_SECONDS"])
    for attempt in range(1, attempts + 1):
        _take_token()
        try:
            return _once(url, method, params, float(cfg["TELEGRAM_TIMEOUT"]))
        except _Retry as retry:
            if attempt == attempts:
                break
            delay = retry.delay if retry.delay >= 0 else backoff * 2 ** (attempt - 1)
            time.sleep(min(delay, float(cfg["TELEGRAM_MAX_RETRY_AFTER"])))
    log.warning("telegram %s: giving up after %d attempts", method, attempts)
    return None


class _Blocked(Exception):
    pass


def _once(url: str, method: str, params: dict[str, Any], timeout: float) -> dict | None:
    try:
        response = requests.post(url, json=params, timeout=timeout)
    except requests.RequestException as exc:
        log.warning("telegram %s: %s", method, exc.__class__.__name__)  # never the message: it holds the URL
        raise _Retry(-1) from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 200 and body.get("ok"):
        return body.get("result") or {}
    if response.status_code == 429:
        retry_after = float((body.get("parameters") or {}).get("retry_after") or 1)
        log.info("telegram %s: 429, retry after %ss", method, retry_after)
        raise _Retry(retry_after)
    if response.status_code >= 500:
        log.warning("telegram %s: %s", method, response.status_code)
        raise _Retry(-1)
    if response.status_code == 403:
        raise _Blocked()
    log.warning(
        "telegram %s: refused with %s: %s", method, response.status_code, str(body.get("description", ""))[:200]
    )
    return None


USERNAME_KEY = "telegram:bot-username"
USERNAME_TTL = 3600


def bot_username() -> str | None:
    """The bot's @username from getMe (cached in Redis for an hour); None when Telegram does not say."""
    cached = redis_store.client.get(USERNAME_KEY)
    if cached:
        return cached.decode() if isinstance(cached, bytes) else cached
    try:
        me = _call("getMe", {})
    except _Blocked:
        me = None
    username = (me or {}).get("username")
    if username:
        redis_store.client.set(USERNAME_KEY, username, ex=USERNAME_TTL)
    return username


def send_message(chat_id: int, text: str, **params: Any) -> bool:
    """Send a text message; True when Telegram accepted it. A 403 marks the chat's link blocked."""
    try:
        return _call("sendMessage", {"chat_id": chat_id, "text": text, **params}) is not None
    except _Blocked:
        log.info("telegram: chat %s blocked the bot", chat_id)
        db.session.execute(
            update(TelegramLink)
            .where(TelegramLink.chat_id == chat_id, TelegramLink.blocked_at.is_(None))
            .values(blocked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return False


def send_to_user(
    user_id: int,
    text: str | Callable[[str], str],
    *,
    markup: Callable[[str], dict] | None = None,
    **params: Any,
) -> bool:
    """Send to the user's linked chat: `text`, or `text(lang)` — the message in the chat's language — with
    `markup(lang)` as its reply_markup when given. False when not linked, blocked, or the account is deactivated
    (nothing is sent)."""
    link = db.session.scalar(
        select(TelegramLink)
        .join(User, User.id == TelegramLink.user_id)
        .where(TelegramLink.user_id == user_id, User.is_active.is_(True))
    )
    if link is None or link.blocked_at is not None:
        return False
    lang = chat_language(link.language_code)
    body = text(lang) if callable(text) else text
    if markup is not None:
        params["reply_markup"] = markup(lang)
    return send_message(link.chat_id, body, **params)
