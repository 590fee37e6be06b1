"""Rebuilding every reminder job from PostgreSQL: `flask reminders sync` and worker start-up.

The schedule in Redis is a cache of `habits.next_reminder_at`; this is what restores it after a Redis loss
or a failed after-commit scheduling (see app.common.after_commit).
"""

from __future__ import annotations

import logging
import time as clock
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select

from app.auth.models import User
from app.common import queue
from app.common.timeutil import utcnow
from app.extensions import db
from app.habits.jobs import JOB_PREFIX, SNOOZE_PREFIX, job_id, send_reminder, send_snoozed, snooze_job_id
from app.habits.models import Habit, HabitSnooze, next_occurrence

log = logging.getLogger(__name__)


def sync_reminders(batch: int = 5000) -> int:
    """Rebuild every reminder job from the database; returns how many jobs were written.

    Occurrences missed by more than REMINDER_STALE_SECONDS (worker down, Redis lost) are moved to their
    next future occurrence instead of firing a burst of stale reminders. Postponed (⏰) reminders not sent
    yet get their jobs back too. Jobs of habits (and snoozes) that no longer need one are removed. Writes
    go through pipelines, a few thousand per round trip.
    """
    conn = queue.connection()
    started = clock.monotonic()
    now = utcnow()
    stale_before = now - timedelta(seconds=current_app.config["REMINDER_STALE_SECONDS"])
    rows = db.session.execute(
        select(Habit.id, Habit.next_reminder_at, Habit.anchor_date, Habit.time, Habit.periodicity_days, User.timezone)
        .join(User, User.id == Habit.owner_id)
        .where(Habit.is_pleasant.is_(False))
    ).all()
    moved = []
    wanted = []
    for habit_id, when, anchor, at, every, tz in rows:
        if when is None or when < stale_before:
            when = next_occurrence(anchor, at, every, now, tz)
            moved.append({"hid": habit_id, "when": when})
        wanted.append((job_id(habit_id), when, send_reminder, (habit_id, when.isoformat())))
    for start in range(0, len(moved), batch):
        _bulk_move(moved[start : start + batch])
    db.session.commit()
    # Postponed reminders not sent yet (an old one runs at once and finds itself stale).
    for habit_id, day, due in db.session.execute(
        select(HabitSnooze.habit_id, HabitSnooze.date, HabitSnooze.due_at).where(HabitSnooze.sent_at.is_(None))
    ):
        wanted.append((snooze_job_id(habit_id, day), due, send_snoozed, (habit_id, day.isoformat())))
    keep = {item[0] for item in wanted}
    orphans = (queue.scheduled_ids(conn, JOB_PREFIX) | queue.scheduled_ids(conn, SNOOZE_PREFIX)) - keep
    queue.cancel_many(conn, orphans)
    count = queue.schedule_many(conn, wanted, queue_name=queue.REMINDERS)
    log.info(
        "reminders sync: %d jobs written, %d moved past stale occurrences, %d orphans removed in %.2fs",
        count,
        len(moved),
        len(orphans),
        clock.monotonic() - started,
    )
    return count


def _bulk_move(rows: list[dict]) -> None:
    if rows:
        db.session.connection().execute(
            Habit.__table__.update()
            .where(Habit.__table__.c.id == bindparam("hid"))
            .values(next_reminder_at=bindparam("when")),
            rows,
        )
