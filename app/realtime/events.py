"""Realtime events over Redis pub/sub, published only after the data they describe is committed.

Any process (web, worker, bot) may publish; every web process relays the messages of the channels its
sockets listen to (see hub.py). Services do not publish directly: they call `publish_after_commit`,
and a session hook sends the collected events once the transaction commits (nothing is sent on
rollback). So whoever commits — a route, an RQ job, a bot handler — gets the events for free.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import redis_store

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "kalendar:rt:"
_PENDING = "kalendar_after_commit"


def team_channel(team_id: int) -> str:
    return f"{CHANNEL_PREFIX}team:{int(team_id)}"


def user_channel(user_id: int) -> str:
    return f"{CHANNEL_PREFIX}user:{int(user_id)}"


def _publish(channel: str, event_: dict) -> None:
    client = redis_store.client
    if client is None:
        return
    try:
        client.publish(channel, json.dumps(event_, default=str))
    except Exception:  # noqa: BLE001  (the data is committed; a lost live update must not fail the caller)
        log.warning("realtime: could not publish to %s", channel, exc_info=True)


def publish_team_event(team_id: int, event: dict) -> None:
    """Send `event` to every socket on /ws/teams/<team_id>, in any web process, now."""
    _publish(team_channel(team_id), event)


def publish_user_event(user_id: int, event: dict) -> None:
    """Send `event` to every /ws/user socket of `user_id`, in any web process, now."""
    _publish(user_channel(user_id), event)


def call_after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once `session` commits; dropped if it rolls back."""
    session.info.setdefault(_PENDING, []).append(callback)


def publish_after_commit(
    session: Session, event_: dict, *, team_id: int | None = None, user_ids: tuple[int | None, ...] = ()
) -> None:
    """Queue one event for the team channel and the given users' channels, sent after commit."""

    def send() -> None:
        if team_id is not None:
            publish_team_event(team_id, event_)
        for user_id in dict.fromkeys(uid for uid in user_ids if uid is not None):
            publish_user_event(user_id, event_)

    call_after_commit(session, send)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_PENDING, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # noqa: BLE001
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
