"""Realtime events over Redis pub/sub, published only after the data they describe is committed.

Any process (web, worker, bot) may publish; every web process relays the messages of the channels its
sockets listen to (see app/realtime/hub.py). Services call `publish_after_commit`, which goes through the
one after-commit hook (app.common.after_commit): whoever commits — a route, an RQ job, a bot handler — sends
the events, and nothing is sent for a rollback. A publish that fails is logged; the data stays committed.
"""

from __future__ import annotations

import json
import logging

from app.common.after_commit import after_commit
from app.extensions import redis_store

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "kalendar:rt:"


def team_channel(team_id: int) -> str:
    return f"{CHANNEL_PREFIX}team:{int(team_id)}"


def user_channel(user_id: int) -> str:
    return f"{CHANNEL_PREFIX}user:{int(user_id)}"


def _publish(channel: str, event_: dict) -> None:
    redis_store.client.publish(channel, json.dumps(event_, default=str))


def publish_team_event(team_id: int, event: dict) -> None:
    """Send `event` to every socket on /ws/teams/<team_id>, in any web process, now."""
    _publish(team_channel(team_id), event)


def publish_user_event(user_id: int, event: dict) -> None:
    """Send `event` to every /ws/user socket of `user_id`, in any web process, now."""
    _publish(user_channel(user_id), event)


def publish_after_commit(event_: dict, *, team_id: int | None = None, user_ids: tuple[int | None, ...] = ()) -> None:
    """Once the transaction commits, send one event to the team channel and the given users' channels."""
    users = tuple(dict.fromkeys(uid for uid in user_ids if uid is not None))
    if team_id is not None:
        after_commit(lambda: publish_team_event(team_id, event_), f"publish {event_.get('type')} to team {team_id}")
    for user_id in users:
        after_commit(
            lambda user_id=user_id: publish_user_event(user_id, event_),
            f"publish {event_.get('type')} to user {user_id}",
        )
