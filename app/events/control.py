"""Control messages to open sockets: "user X's rights changed, re-check yours", on every web process.

A socket's token and team membership are checked at the handshake; when a session is revoked, the user is
deactivated or leaves a team, every web process must learn it, not only the one that handled the change.
One Redis pub/sub channel carries the message (after commit, through the one after-commit hook); each
socket of that user re-checks its session and membership against PostgreSQL and closes (4401 / 4403) if
they are gone. The message carries no decision, so a forged or repeated one can only cause a re-check.
"""

from __future__ import annotations

import json

from app.common.after_commit import after_commit
from app.events.pubsub import CHANNEL_PREFIX
from app.extensions import redis_store


def control_channel(user_id: int) -> str:
    return f"{CHANNEL_PREFIX}control:user:{int(user_id)}"


def publish_recheck(user_id: int) -> None:
    redis_store.client.publish(control_channel(user_id), json.dumps({"type": "recheck"}))


def recheck_sockets_after_commit(_sender=None, *, user_id: int, **_kwargs) -> None:
    """Signal listener (app.wiring): once the transaction commits, every socket of `user_id` re-checks."""
    after_commit(lambda: publish_recheck(user_id), f"recheck the sockets of user {user_id}")
