"""Habit rules: visibility, the five habit rules on the merged habit, completions and skips (streaks: streaks.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Integer, Select, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import aliased

from app.auth.models import TokenOwner, User
from app.common.pagination import HotPage
from app.common.schemas import schema_columns
from app.common.timeutil import local_today, utcnow
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.habits import jobs, streaks
from app.habits.models import (
    DURATION_SECONDS_MAX,
    DURATION_SECONDS_MIN,
    PERIODICITY_DAYS_MAX,
    PERIODICITY_DAYS_MIN,
    Habit,
    HabitCompletion,
    HabitSkip,
    HabitSnooze,
)
from app.habits.schemas import HabitSchema

DEFAULTS: dict[str, Any] = {
    "periodicity_days": 1,
    "is_pleasant": False,
    "related_habit_id": None,
    "reward": None,
    "is_public": False,
}
FIELDS = (
    "action",
    "place",
    "time",
    "periodicity_days",
    "duration_seconds",
    "is_pleasant",
    "related_habit_id",
    "reward",
    "is_public",
)


# --- visibility -------------------------------------------------------------------------------------


def own_habits_stmt(user: User) -> Select:
    return select(Habit).where(Habit.owner_id == user.id).order_by(Habit.id)


#: What the habit list selects: the schema's fields as plain columns, the streak fields filled in afterwards.
LIST_COLUMNS = schema_columns(
    Habit, HabitSchema, computed=("current_streak", "best_streak", "done_today", "skipped_today")
)


#: The habit list's page with each habit's streaks, one statement (a page past the end included).
OWN_HABITS_PAGE = HotPage(
    select(*LIST_COLUMNS).where(Habit.owner_id == bindparam("owner_id", type_=Integer)).order_by(Habit.id),
    around=streaks.with_streaks,
)


def own_habit_rows(user: User | TokenOwner, pagination_parameters: Any) -> list[dict[str, Any]]:
    """One page of my habits as rows, with their streaks as of today in my time zone."""
    today = local_today(user.timezone, utcnow())
    return OWN_HABITS_PAGE({"owner_id": user.id, "today": today}, pagination_parameters)


def public_habits_stmt() -> Select:
    return select(Habit).where(Habit.is_public.is_(True)).order_by(Habit.id)


def get_habit(user: User, habit_id: int) -> Habit:
    """Mine, or someone's public habit; a private habit of another user does not exist for me."""
    habit = db.session.get(Habit, habit_id)
    if habit is None or (habit.owner_id != user.id and not habit.is_public):
        raise NotFound("Habit not found.")
    return habit


def get_own_habit(user: User, habit_id: int) -> Habit:
    """For writes: mine; another user's public habit is read-only (403); a private one is 404."""
    habit = get_habit(user, habit_id)
    if habit.owner_id != user.id:
        raise Forbidden("Only the owner can change this habit.")
    return habit


# --- the rules --------------------------------------------------------------------------------------


def _check_rules(user: User, merged: dict[str, Any], habit: Habit | None) -> None:
    """API.md rules 1-5 on the habit as it will be saved; every offending field is reported."""
    errors: dict[str, list[str]] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not PERIODICITY_DAYS_MIN <= merged["periodicity_days"] <= PERIODICITY_DAYS_MAX:
        err("periodicity_days", f"Must be between {PERIODICITY_DAYS_MIN} and {PERIODICITY_DAYS_MAX}.")
    if not DURATION_SECONDS_MIN <= merged["duration_seconds"] <= DURATION_SECONDS_MAX:
        err("duration_seconds", f"Must be between {DURATION_SECONDS_MIN} and {DURATION_SECONDS_MAX} seconds.")
    related_id, reward = merged["related_habit_id"], merged["reward"]
    if reward is not None and related_id is not None:
        err("reward", "A habit has either a reward or a related habit, not both.")
        err("related_habit_id", "A habit has either a reward or a related habit, not both.")
    if merged["is_pleasant"]:
        if reward is not None:
            err("reward", "A pleasant habit has no reward.")
        if related_id is not None:
            err("related_habit_id", "A pleasant habit has no related habit.")
    if related_id is not None:
        related = db.session.get(Habit, related_id)
        if habit is not None and related_id == habit.id:
            err("related_habit_id", "A habit cannot be related to itself.")
        elif related is None or related.owner_id != user.id:
            err("related_habit_id", "Must be one of your own habits.")
        elif not related.is_pleasant:
            err("related_habit_id", "The related habit must be a pleasant one.")
    if habit is not None and habit.is_pleasant and not merged["is_pleasant"]:
        linked = db.session.scalar(select(Habit.id).where(Habit.related_habit_id == habit.id).limit(1))
        if linked is not None:
            err("is_pleasant", "Other habits link to this pleasant habit; unlink them first.")
    if errors:
        raise ValidationFailed(errors)


def _apply(user: User, habit: Habit | None, merged: dict[str, Any]) -> Habit:
    _check_rules(user, merged, habit)
    if habit is None:
        habit = Habit(owner_id=user.id, anchor_date=local_today(user.timezone))
        db.session.add(habit)
    if habit.id is None or any(getattr(habit, field) != merged[field] for field in FIELDS):
        habit.updated_at = utcnow()
    for field in FIELDS:
        setattr(habit, field, merged[field])
    habit.next_reminder_at = None if habit.is_pleasant else habit.next_occurrence(utcnow(), user.timezone)
    db.session.flush()
    jobs.schedule_reminder(habit.id, habit.next_reminder_at)
    return habit


def follow_new_timezone(_sender: Any, user: User, **_extra: Any) -> None:
    """Listener of `auth.signals.timezone_changed`: reminders keep their local wall-clock time when the
    owner moves to another zone."""
    now = utcnow()
    for habit in db.session.scalars(select(Habit).where(Habit.owner_id == user.id, Habit.is_pleasant.is_(False))):
        habit.next_reminder_at = habit.next_occurrence(now, user.timezone)
        jobs.schedule_reminder(habit.id, habit.next_reminder_at)
    db.session.flush()


def create_habit(user: User, data: dict[str, Any]) -> Habit:
    return _apply(user, None, {**DEFAULTS, **data})


def replace_habit(user: User, habit_id: int, data: dict[str, Any]) -> Habit:
    """PUT: the body is the whole habit (absent optional fields take their defaults)."""
    habit = get_own_habit(user, habit_id)
    return _apply(user, habit, {**DEFAULTS, **data})


def update_habit(user: User, habit_id: int, data: dict[str, Any]) -> Habit:
    """PATCH: the sent fields over the stored habit, checked as a whole (no rule bypass by halves)."""
    habit = get_own_habit(user, habit_id)
    current = {field: getattr(habit, field) for field in FIELDS}
    return _apply(user, habit, {**current, **data})


def delete_habit(user: User, habit_id: int) -> int:
    """Delete, unlinking habits that pointed at it in the same transaction."""
    habit = get_own_habit(user, habit_id)
    db.session.execute(
        update(Habit).where(Habit.related_habit_id == habit.id).values(related_habit_id=None, updated_at=utcnow())
    )
    db.session.delete(habit)
    db.session.flush()
    jobs.cancel_reminder(habit_id)
    return habit_id


# --- completions and skips -------------------------------------------------------------------------
# A day is done, skipped or neither. Every write below first locks the habit row, so a completion and a skip
# of the same day sent in parallel cannot both land (the second one sees the first and answers 409).

SKIP_AHEAD_DAYS = 366  # a planned day off may be skipped ahead, up to a year


def _lock(habit: Habit) -> None:
    db.session.execute(select(Habit.id).where(Habit.id == habit.id).with_for_update())


def _entry_on(model: type[HabitCompletion] | type[HabitSkip] | type[HabitSnooze], habit_id: int, day: date) -> Any:
    return db.session.scalars(
        select(model).where(model.habit_id == habit_id, model.date == day).execution_options(populate_existing=True)
    ).one_or_none()


def _insert_once(model: type[HabitCompletion] | type[HabitSkip], habit_id: int, day: date) -> tuple[Any, bool]:
    new_id = db.session.scalar(
        pg_insert(model)
        .values(habit_id=habit_id, date=day, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["habit_id", "date"])
        .returning(model.id)
    )
    return _entry_on(model, habit_id, day), new_id is not None


def log_completion(user: User, habit_id: int, day: date | None) -> tuple[HabitCompletion, bool]:
    """Record that the habit was done on `day` (today in my zone by default). Idempotent: logging the same
    day again returns the existing row and created=False (the route answers 200 instead of 201). A skipped
    day cannot be done too (409: remove the skip first)."""
    habit = get_own_habit(user, habit_id)
    today = local_today(user.timezone, utcnow())
    day = day or today
    if day > today:
        raise ValidationFailed({"date": ["Cannot log a day in the future."]})
    _lock(habit)
    if _entry_on(HabitSkip, habit.id, day) is not None:
        raise Conflict(f"{day.isoformat()} is skipped; remove the skip first.", {"date": ["That day is skipped."]})
    return _insert_once(HabitCompletion, habit.id, day)


def skip_day(user: User, habit_id: int, day: date | None) -> tuple[HabitSkip, bool]:
    """Leave `day` out on purpose (today by default, or a planned day off ahead): the streak survives it.
    Idempotent like completions; a done day cannot be skipped (409: undo the completion first)."""
    habit = get_own_habit(user, habit_id)
    today = local_today(user.timezone, utcnow())
    day = day or today
    if day > today + timedelta(days=SKIP_AHEAD_DAYS):
        raise ValidationFailed({"date": [f"Can skip at most {SKIP_AHEAD_DAYS} days ahead."]})
    _lock(habit)
    if _entry_on(HabitCompletion, habit.id, day) is not None:
        raise Conflict(f"{day.isoformat()} is done; undo the completion first.", {"date": ["That day is done."]})
    return _insert_once(HabitSkip, habit.id, day)


def undo_completion(user: User, habit_id: int, day: date) -> None:
    """Forget that the habit was done on `day` (nothing to forget is fine: the undo is idempotent)."""
    habit = get_own_habit(user, habit_id)
    db.session.execute(delete(HabitCompletion).where(HabitCompletion.habit_id == habit.id, HabitCompletion.date == day))


def unskip_day(user: User, habit_id: int, day: date) -> None:
    """Take a skip back (idempotent)."""
    habit = get_own_habit(user, habit_id)
    db.session.execute(delete(HabitSkip).where(HabitSkip.habit_id == habit.id, HabitSkip.date == day))


def snooze_reminder(user: User, habit_id: int, day: date, now: datetime | None = None) -> tuple[str, datetime | None]:
    """⏰ Later on the reminder of `day`: it comes back once, REMINDER_SNOOZE_MINUTES from now.

    Returns ("snoozed", when), ("already", when) for a day postponed before (once per day), ("completed" |
    "skipped", None) for a day decided meanwhile and ("past", None) for an undecided earlier day.
    """
    habit = get_own_habit(user, habit_id)
    now = now or utcnow()
    _lock(habit)
    state = jobs.decided(habit.id, day)
    if state is not None:
        return state, None
    if day != local_today(user.timezone, now):
        return "past", None
    due = (now + timedelta(minutes=current_app.config["REMINDER_SNOOZE_MINUTES"])).replace(microsecond=0)
    new_id = db.session.scalar(
        pg_insert(HabitSnooze)
        .values(habit_id=habit.id, date=day, due_at=due, created_at=now)
        .on_conflict_do_nothing(index_elements=["habit_id", "date"])
        .returning(HabitSnooze.id)
    )
    if new_id is None:
        return "already", _entry_on(HabitSnooze, habit.id, day).due_at
    jobs.schedule_snooze(habit.id, day, due)
    return "snoozed", due


def completions_stmt(user: User, habit_id: int) -> Select:
    habit = get_habit(user, habit_id)
    return select(HabitCompletion).where(HabitCompletion.habit_id == habit.id).order_by(HabitCompletion.date.desc())


def skips_stmt(user: User, habit_id: int) -> Select:
    habit = get_habit(user, habit_id)
    return select(HabitSkip).where(HabitSkip.habit_id == habit.id).order_by(HabitSkip.date.desc())


def habits_with_next_step(user: User) -> list:
    """My useful (not pleasant) habits as rows, with the action, place, time and `updated_at` of the pleasant
    habit each links to; one statement. The calendar feed renders these."""
    related = aliased(Habit)
    stmt = (
        select(
            Habit.id,
            Habit.action,
            Habit.place,
            Habit.time,
            Habit.periodicity_days,
            Habit.duration_seconds,
            Habit.reward,
            Habit.anchor_date,
            Habit.created_at,
            Habit.updated_at,
            related.action.label("related_action"),
            related.place.label("related_place"),
            related.time.label("related_time"),
            related.updated_at.label("related_updated_at"),
        )
        .outerjoin(related, (related.id == Habit.related_habit_id) & (related.owner_id == Habit.owner_id))
        .where(Habit.owner_id == user.id, Habit.is_pleasant.is_(False))
        .order_by(Habit.id)
    )
    return db.session.execute(stmt).all()
