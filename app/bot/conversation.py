"""The bot's memory in Redis: the /create conversation per chat and the update ids already handled.

Both live in Redis so they survive a restart of bot.py. Without Redis (the embedded default) a
process-local dict stands in: conversations are then lost on restart.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from flask import current_app

from app.extensions import redis_store

CONVERSATION_KEY = "bot:conversation:{chat_id}"
UPDATE_KEY = "bot:update:{update_id}"
UPDATE_TTL = 24 * 3600  # far longer than Telegram keeps an unconfirmed update

_local: dict[str, tuple[float, str]] = {}
_local_lock = threading.Lock()


def _ttl() -> int:
    return int(current_app.config["BOT_CONVERSATION_TTL"])


def _local_get(key: str) -> str | None:
    with _local_lock:
        return _local_get_unlocked(key)


def get_state(chat_id: int) -> dict[str, Any] | None:
    key = CONVERSATION_KEY.format(chat_id=int(chat_id))
    client = redis_store.client
    raw = client.get(key) if client is not None else _local_get(key)
    if raw is None:
        return None
    try:
        state = json.loads(raw)
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def set_state(chat_id: int, state: dict[str, Any]) -> None:
    key = CONVERSATION_KEY.format(chat_id=int(chat_id))
    raw = json.dumps(state)
    client = redis_store.client
    if client is not None:
        client.set(key, raw, ex=_ttl())
    else:
        with _local_lock:
            _local[key] = (time.monotonic() + _ttl(), raw)


def clear_state(chat_id: int) -> None:
    key = CONVERSATION_KEY.format(chat_id=int(chat_id))
    client = redis_store.client
    if client is not None:
        client.delete(key)
    else:
        with _local_lock:
            _local.pop(key, None)


def claim_update(update_id: int) -> bool:
    """True the first time an update id is seen: a redelivered update is then skipped (SET NX)."""
    key = UPDATE_KEY.format(update_id=int(update_id))
    client = redis_store.client
    if client is not None:
        return bool(client.set(key, "1", nx=True, ex=UPDATE_TTL))
    with _local_lock:
        if _local_get_unlocked(key) is not None:
            return False
        _local[key] = (time.monotonic() + UPDATE_TTL, "1")
        return True


def release_update(update_id: int) -> None:
    """Forget a claimed update whose handling failed, so a redelivery may try again."""
    key = UPDATE_KEY.format(update_id=int(update_id))
    client = redis_store.client
    if client is not None:
        client.delete(key)
    else:
        with _local_lock:
            _local.pop(key, None)


def _local_get_unlocked(key: str) -> str | None:
    entry = _local.get(key)
    if entry is None or entry[0] < time.monotonic():
        return None
    return entry[1]
