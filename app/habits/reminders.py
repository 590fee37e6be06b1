"""Reminder jobs: one scheduled job per habit (`habit-reminder-<id>`) for its `next_reminder_at`.

Called after the transaction that changed the habit has committed, and by `flask reminders sync` / worker
start-up, which rebuild every job from PostgreSQL (the schedule in Redis is a cache of the database).
"""

from __future__ import annotations

import logging
import time as clock
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select

from app.auth.models import User
from app.common import queue
from app.common.timeutil import utcnow
from app.extensions import db
from app.habits.models import Habit, next_occurrence

log = logging.getLogger(__name__)

# DESIGN.md names it `habit-reminder:<id>`; rq 3 accepts only letters, digits, "_" and "-" in job ids.
JOB_PREFIX = "habit-reminder-"
TASK = "app.habits.jobs.send_reminder"


def job_id(habit_id: int) -> str:
    return f"{JOB_PREFIX}{habit_id}"


def schedule_reminder(habit: Habit) -> None:
    """(Re)schedule the habit's one reminder job, or cancel it when there is nothing to remind."""
    if habit.next_reminder_at is None:
        queue.cancel(job_id(habit.id))
        return
    schedule_at_time(habit.id, habit.next_reminder_at)


def schedule_at_time(habit_id: int, when: datetime) -> None:
    """(Re)schedule a habit's reminder job for `when` without loading the habit."""
    queue.schedule_at(when, TASK, habit_id, when.isoformat(), job_id=job_id(habit_id))


def cancel_reminder(habit_id: int) -> None:
    queue.cancel(job_id(habit_id))


def sync_reminders(batch: int = 5000) -> int:
    """Rebuild every reminder job from the database; returns how many jobs were written.

    Occurrences missed by more than REMINDER_STALE_SECONDS (worker down, Redis lost) are moved to their
    next future occurrence instead of firing a burst of stale reminders. Jobs of habits that no longer
    need one are removed. Writes go through pipelines, a few thousand per round trip.
    """
    conn = queue.connection()
    if conn is None:
        log.warning("no REDIS_URL: reminders are disabled, nothing to sync")
        return 0
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
        wanted.append((job_id(habit_id), when, TASK, (habit_id, when.isoformat())))
    for start in range(0, len(moved), batch):
        _bulk_move(moved[start : start + batch])
    db.session.commit()
    keep = {item[0] for item in wanted}
    orphans = queue.scheduled_ids(conn, JOB_PREFIX) - keep
    queue.cancel_many(conn, orphans)
    count = queue.schedule_many(conn, wanted)
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
