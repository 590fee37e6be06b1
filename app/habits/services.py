"""Habit rules: visibility, the five habit rules on the merged habit, completions and streaks."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.auth.models import User
from app.common.timeutil import local_today, utcnow
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.habits import jobs
from app.habits.models import (
    DURATION_SECONDS_MAX,
    DURATION_SECONDS_MIN,
    PERIODICITY_DAYS_MAX,
    PERIODICITY_DAYS_MIN,
    Habit,
    HabitCompletion,
)

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


# --- completions and streaks ------------------------------------------------------------------------


def log_completion(user: User, habit_id: int, day: date | None) -> tuple[HabitCompletion, bool]:
    """Record that the habit was done on `day` (today in my zone by default). Idempotent: logging the same
    day again returns the existing row and created=False (the route answers 200 instead of 201)."""
    habit = get_own_habit(user, habit_id)
    today = local_today(user.timezone)
    day = day or today
    if day > today:
        raise ValidationFailed({"date": ["Cannot log a day in the future."]})
    stmt = (
        pg_insert(HabitCompletion)
        .values(habit_id=habit.id, date=day, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["habit_id", "date"])
        .returning(HabitCompletion.id)
    )
    new_id = db.session.scalar(stmt)
    completion = db.session.scalars(
        select(HabitCompletion)
        .where(HabitCompletion.habit_id == habit.id, HabitCompletion.date == day)
        .execution_options(populate_existing=True)
    ).one()
    return completion, new_id is not None


def completions_stmt(user: User, habit_id: int) -> Select:
    habit = get_habit(user, habit_id)
    return select(HabitCompletion).where(HabitCompletion.habit_id == habit.id).order_by(HabitCompletion.date.desc())


_STREAKS = text("""
    SELECT habit_id, count(*) AS length, max(day) AS newest FROM (
        SELECT habit_id, day, sum(brk) OVER (PARTITION BY habit_id ORDER BY day DESC
                                             ROWS UNBOUNDED PRECEDING) AS island
        FROM (
            SELECT c.habit_id, c.date AS day,
                   CASE WHEN lag(c.date) OVER (PARTITION BY c.habit_id ORDER BY c.date DESC) - c.date
                             > h.periodicity_days THEN 1 ELSE 0 END AS brk
            FROM habit_completions c JOIN habits h ON h.id = c.habit_id
            WHERE c.habit_id IN :ids
        ) gaps
    ) islands
    WHERE island = 0
    GROUP BY habit_id
""").bindparams(bindparam("ids", expanding=True))


def attach_streaks(habits: list[Habit], zones: dict[int, str] | None = None) -> list[Habit]:
    """Set `current_streak` on every habit with one query: the newest run of completions whose gaps are at
    most periodicity_days, counted only while it is still alive (newest within periodicity_days of today).
    `zones` (owner id → time zone) saves the owners' query when the caller already knows them."""
    for habit in habits:
        habit.current_streak = 0
    if not habits:
        return habits
    by_id = {habit.id: habit for habit in habits}
    owner_zones = dict(zones or {})
    missing = {h.owner_id for h in habits} - owner_zones.keys()
    if missing:
        owner_zones.update(db.session.execute(select(User.id, User.timezone).where(User.id.in_(missing))).all())
    now = utcnow()
    for habit_id, length, newest in db.session.execute(_STREAKS, {"ids": list(by_id)}):
        habit = by_id[habit_id]
        today = local_today(owner_zones[habit.owner_id], now)
        if (today - newest).days <= habit.periodicity_days:
            habit.current_streak = length
    return habits
