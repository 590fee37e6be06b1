"""RQ jobs of the habits domain: the reminder job, the snoozed reminder job and how they are (re)scheduled.

One scheduled job per habit (`habit-reminder-<id>`) for its `next_reminder_at`, and one per postponed day
(`habit-snooze-<id>-<yyyymmdd>`) for a `habit_snoozes` row. The habit services ask for (re)scheduling and
cancelling through the after-commit hook, so the schedule follows committed rows only; `flask reminders sync`
and worker start-up rebuild it from PostgreSQL (see reminders.py).

Every reminder carries three buttons (✅ Done, ⏭ Skip, ⏰ Later) for the occurrence's local day; their
callback data is `h<verb>:<habit id>:<yyyymmdd>`, read back by `parse_button` in the bot.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.auth.models import User
from app.common import queue
from app.common.after_commit import after_commit
from app.common.timeutil import local_today, utcnow
from app.extensions import db
from app.habits.models import Habit, HabitCompletion, HabitSkip, HabitSnooze
from app.notify.delivery import send_to_user
from app.notify.texts import t

log = logging.getLogger(__name__)
EARLY_TOLERANCE = timedelta(seconds=1)
# DESIGN.md names it `habit-reminder:<id>`; rq 3 accepts only letters, digits, "_" and "-" in job ids.
JOB_PREFIX = "habit-reminder-"
SNOOZE_PREFIX = "habit-snooze-"
BUTTON_VERBS = {"d": "done", "s": "skip", "l": "later"}
_BUTTON_TEXTS = {"d": "button_done", "s": "button_skip", "l": "button_later"}


def job_id(habit_id: int) -> str:
    return f"{JOB_PREFIX}{int(habit_id)}"


def schedule_reminder(habit_id: int, when: datetime | None) -> None:
    """Once the transaction commits, point the habit's one reminder job at `when` (None cancels it)."""
    if when is None:
        cancel_reminder(habit_id)
        return
    after_commit(
        lambda: queue.schedule_at(
            when, send_reminder, habit_id, when.isoformat(), job_id=job_id(habit_id), queue_name=queue.REMINDERS
        ),
        f"schedule the reminder of habit {habit_id}",
    )


def snooze_job_id(habit_id: int, day: date) -> str:
    return f"{SNOOZE_PREFIX}{int(habit_id)}-{day:%Y%m%d}"


def schedule_snooze(habit_id: int, day: date, when: datetime) -> None:
    """Once the transaction commits, schedule the one re-sending of a postponed reminder."""
    job = snooze_job_id(habit_id, day)
    after_commit(
        lambda: queue.schedule_at(
            when, send_snoozed, habit_id, day.isoformat(), job_id=job, queue_name=queue.REMINDERS
        ),
        f"schedule {job}",
    )


def keyboard(lang: str, habit_id: int, day: date) -> dict:
    """The reminder's inline keyboard, in the chat's language, for the habit's local day `day`."""
    row = [
        {"text": t(lang, key), "callback_data": f"h{verb}:{int(habit_id)}:{day:%Y%m%d}"}
        for verb, key in _BUTTON_TEXTS.items()
    ]
    return {"inline_keyboard": [row]}


def parse_button(data: str) -> tuple[str, int, date] | None:
    """("done" | "skip" | "later", habit id, day) from a button's callback data; None when it is not ours."""
    head, _, rest = (data or "").partition(":")
    raw_id, _, raw_day = rest.partition(":")
    if len(head) != 2 or head[0] != "h" or head[1] not in BUTTON_VERBS or not raw_id.isdigit() or len(raw_id) > 12:
        return None
    try:
        day = datetime.strptime(raw_day, "%Y%m%d").date()
    except ValueError:
        return None
    return BUTTON_VERBS[head[1]], int(raw_id), day


def cancel_reminder(habit_id: int) -> None:
    """Once the transaction commits, drop the habit's reminder job."""
    after_commit(lambda: queue.cancel(job_id(habit_id)), f"cancel the reminder of habit {habit_id}")


def reminder_text(lang: str, habit: Habit, related: Habit | None) -> str:
    """ "I will [action] at [time] in [place]", then the reward or the pleasant habit to do next."""
    text = t(lang, "reminder", action=habit.action, time=habit.time.strftime("%H:%M"), place=habit.place)
    if habit.reward:
        text += "\n" + t(lang, "reminder_reward", reward=habit.reward)
    elif related is not None:
        text += "\n" + t(lang, "reminder_then", action=related.action)
    return text


def decided(habit_id: int, day: date) -> str | None:
    """ "completed" or "skipped" when the local day is already decided (nobody needs reminding), else None."""
    done = select(HabitCompletion.id).where(HabitCompletion.habit_id == habit_id, HabitCompletion.date == day)
    skipped = select(HabitSkip.id).where(HabitSkip.habit_id == habit_id, HabitSkip.date == day)
    row = db.session.execute(select(done.exists(), skipped.exists())).one()
    return "completed" if row[0] else "skipped" if row[1] else None


def send_reminder(habit_id: int, occurrence: str) -> str:
    """Remind the owner of one occurrence, at most once, then schedule the next one.

    Exactly-once key: the habit row itself. The job claims its occurrence with a compare-and-set
    (`UPDATE habits SET next_reminder_at = <next> WHERE id = .. AND next_reminder_at = <this>`) committed
    before anything is sent. A duplicate, retried or re-enqueued job (two schedulers, RQ's at-least-once
    delivery, a sync after FLUSHDB) finds the row already moved on and sends nothing; so does the job of a
    habit that was edited (its occurrence no longer matches) or deleted. The key lives in PostgreSQL rather
    than in a Redis SET NX so that losing Redis cannot make an occurrence send twice. The price is
    at-most-once: a crash between the claim and the send loses that one message, never the next ones.
    Returns what happened (for logs and tests).
    """
    when = datetime.fromisoformat(occurrence)
    now = utcnow()
    habit = db.session.get(Habit, habit_id)
    if habit is None:
        return "deleted"
    if habit.next_reminder_at != when:
        return "superseded"
    if now < when - EARLY_TOLERANCE:
        schedule_reminder(habit.id, habit.next_reminder_at)  # ran early (rescheduled while queued): put it back
        return "early"
    owner = db.session.get(User, habit.owner_id)
    following = habit.next_occurrence(max(now, when), owner.timezone)
    claimed = db.session.scalar(
        update(Habit)
        .where(Habit.id == habit.id, Habit.next_reminder_at == when)
        .values(next_reminder_at=following)
        .returning(Habit.id)
        .execution_options(synchronize_session=False)
    )
    if claimed is None:
        return "duplicate"
    db.session.commit()  # the claim must be durable before the message leaves
    habit = db.session.get(Habit, habit_id, populate_existing=True)
    schedule_reminder(habit.id, habit.next_reminder_at)  # held by the job runner until this job has ended
    if (now - when).total_seconds() > current_app.config["REMINDER_STALE_SECONDS"]:
        log.info("habit %s: occurrence %s is stale, skipped", habit_id, occurrence)
        return "stale"
    local_day = local_today(owner.timezone, when)
    state = decided(habit.id, local_day)
    if state is not None:
        return state
    return _deliver(habit, owner, local_day, f"habit-{habit.id}-{int(when.timestamp())}")


def _deliver(habit: Habit, owner: User, day: date, key: str) -> str:
    """Hand the reminder to the delivery (app.notify.delivery): "sent", "deferred" (its chat's or the bot's
    rate: it goes out at its slot), or "not sent"."""
    related = db.session.get(Habit, habit.related_habit_id) if habit.related_habit_id else None
    outcome = send_to_user(
        owner.id,
        lambda lang: reminder_text(lang, habit, related),
        markup=lambda lang: keyboard(lang, habit.id, day),
        key=key,
    )
    return outcome if outcome in ("sent", "deferred") else "not sent"


def send_snoozed(habit_id: int, day_iso: str) -> str:
    """Send a postponed reminder again, once (the `habit_snoozes` row is the exactly-once key).

    The job claims the row (`sent_at` from null to now, committed before sending), so a duplicate job, a
    retried one or one rebuilt by a sync sends nothing; a crash between the claim and the send loses that one
    message, as for the normal reminders. Nothing is sent for a day decided meanwhile or a deleted habit.
    """
    day = date.fromisoformat(day_iso)
    now = utcnow()
    snooze = db.session.scalar(select(HabitSnooze).where(HabitSnooze.habit_id == habit_id, HabitSnooze.date == day))
    if snooze is None:
        return "deleted"
    if snooze.sent_at is not None:
        return "duplicate"
    if now < snooze.due_at - EARLY_TOLERANCE:
        schedule_snooze(habit_id, day, snooze.due_at)
        return "early"
    claimed = db.session.scalar(
        update(HabitSnooze)
        .where(HabitSnooze.id == snooze.id, HabitSnooze.sent_at.is_(None))
        .values(sent_at=now)
        .returning(HabitSnooze.id)
        .execution_options(synchronize_session=False)
    )
    if claimed is None:
        return "duplicate"
    db.session.commit()  # the claim must be durable before the message leaves
    if (now - snooze.due_at).total_seconds() > current_app.config["REMINDER_STALE_SECONDS"]:
        return "stale"
    state = decided(habit_id, day)
    if state is not None:
        return state
    habit = db.session.get(Habit, habit_id)
    return _deliver(habit, db.session.get(User, habit.owner_id), day, f"snooze-{habit_id}-{day:%Y%m%d}")
