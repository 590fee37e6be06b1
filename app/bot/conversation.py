"""The bot's memory in Redis: the /create conversation per chat and the update ids already handled.

Both live in Redis so they survive a restart of bot.py and are shared by every bot process.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app

from app.extensions import redis_store

CONVERSATION_KEY = "bot:conversation:{chat_id}"
UPDATE_KEY = "bot:update:{update_id}"
UPDATE_TTL = 24 * 3600  # far longer than Telegram keeps an unconfirmed update


def get_state(chat_id: int) -> dict[str, Any] | None:
    raw = redis_store.client.get(CONVERSATION_KEY.format(chat_id=int(chat_id)))
    if raw is None:
        return None
    try:
        state = json.loads(raw)
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def set_state(chat_id: int, state: dict[str, Any]) -> None:
    ttl = int(current_app.config["BOT_CONVERSATION_TTL"])
    redis_store.client.set(CONVERSATION_KEY.format(chat_id=int(chat_id)), json.dumps(state), ex=ttl)


def clear_state(chat_id: int) -> None:
    redis_store.client.delete(CONVERSATION_KEY.format(chat_id=int(chat_id)))


def claim_update(update_id: int) -> bool:
    """True the first time an update id is seen: a redelivered update is then skipped (SET NX)."""
    return bool(redis_store.client.set(UPDATE_KEY.format(update_id=int(update_id)), "1", nx=True, ex=UPDATE_TTL))


def release_update(update_id: int) -> None:
    """Forget a claimed update whose handling failed, so a redelivery may try again."""
    redis_store.client.delete(UPDATE_KEY.format(update_id=int(update_id)))
