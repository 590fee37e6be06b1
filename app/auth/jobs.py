"""Background jobs of accounts (queued through app/common/queue.py; they run inside an app context)."""

from __future__ import annotations

import logging

from app.auth.services import prune_sessions

log = logging.getLogger(__name__)


def prune_ended_sessions() -> int:
    """Hourly: delete every account's long-ended sessions (idempotent); run_job commits it, like every job."""
    count = prune_sessions()
    if count:
        log.info("pruned %d ended session(s)", count)
    return count
