"""Background jobs of accounts (queued through app/common/queue.py; they run inside an app context)."""

from __future__ import annotations

import logging

from app.auth.services import prune_sessions
from app.extensions import db

log = logging.getLogger(__name__)


def prune_ended_sessions() -> int:
    """Hourly: delete every account's long-ended sessions (idempotent)."""
    try:
        count = prune_sessions()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if count:
        log.info("pruned %d ended session(s)", count)
    return count
