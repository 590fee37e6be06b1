"""Background jobs of the goal planner (queued through app/common/queue.py; they run inside an app context)."""

from __future__ import annotations

import logging

from app.common.timeutil import utcnow
from app.goals.services import mark_overdue_goals

log = logging.getLogger(__name__)


def mark_overdue() -> int:
    """Every minute: flag open goals past their due date as overdue. Safe to run twice (idempotent); run_job
    commits it, like every job."""
    ids = mark_overdue_goals(utcnow())
    if ids:
        log.info("marked %d goal(s) overdue", len(ids))
    return len(ids)
