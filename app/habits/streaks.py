"""Streaks and statistics, counted in periods of `periodicity_days` ending today in the owner's zone.

Period k of a habit holds the local days `today - k*P - (P-1) .. today - k*P` (P = periodicity_days, k = 0 is
the current, still open, period). A period is kept when it holds a completion or a skip. The current streak
counts the completions of the unbroken run of kept periods that ends with period 0 or 1 (today's period may
still be open); the best streak is the largest such count of any run. Dates are local calendar dates, so a DST
switch changes nothing; only "today" depends on the clock and the owner's zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    Boolean,
    Date,
    Integer,
    Select,
    bindparam,
    cast,
    column,
    false,
    func,
    literal,
    select,
    text,
    union_all,
)

from app.auth.models import User
from app.common.timeutil import local_today, utcnow
from app.extensions import db
from app.habits.models import Habit, HabitCompletion, HabitSkip

# The streak rules in SQL, over a relation h(habit_id, today, p): each habit with its owner's today and its period.
_STREAKS_OF_H = """
    entries AS (
        SELECT h.habit_id, (h.today - c.date) / h.p AS k, 1 AS done, c.date = h.today AS is_today
        FROM habit_completions c JOIN h ON h.habit_id = c.habit_id WHERE c.date <= h.today
        UNION ALL
        SELECT h.habit_id, (h.today - s.date) / h.p AS k, 0 AS done, s.date = h.today AS is_today
        FROM habit_skips s JOIN h ON h.habit_id = s.habit_id WHERE s.date <= h.today
    ), periods AS (
        SELECT habit_id, k, sum(done) AS done,
               bool_or(is_today AND done = 1) AS done_today, bool_or(is_today AND done = 0) AS skipped_today
        FROM entries GROUP BY habit_id, k
    ), runs AS (
        SELECT habit_id, min(k) AS first_k, sum(done) AS done,
               bool_or(done_today) AS done_today, bool_or(skipped_today) AS skipped_today
        FROM (SELECT *, k - row_number() OVER (PARTITION BY habit_id ORDER BY k) AS island FROM periods) numbered
        GROUP BY habit_id, island
    )
    SELECT habit_id, coalesce(max(done) FILTER (WHERE first_k <= 1), 0) AS current_streak,
           max(done) AS best_streak, bool_or(done_today) AS done_today, bool_or(skipped_today) AS skipped_today
    FROM runs GROUP BY habit_id
"""
# One statement for a whole page: the habits come in as three parallel arrays (id, owner's today, period).
_STREAKS = text(f"""
    WITH h AS (
        SELECT * FROM unnest(CAST(:ids AS integer[]), CAST(:todays AS date[]), CAST(:periods AS integer[]))
            AS h(habit_id, today, p)
    ), {_STREAKS_OF_H}""")
# The same for the habits of a page query (a CTE named `page`, of one owner, whose today is :today).
_STREAKS_OF_PAGE = (
    text(f"""
    WITH h AS (SELECT page.id AS habit_id, CAST(:today AS date) AS today, page.periodicity_days AS p FROM page),
    {_STREAKS_OF_H}""")
    .bindparams(bindparam("today", type_=Date))
    .columns(
        column("habit_id", Integer),
        column("current_streak", Integer),
        column("best_streak", Integer),
        column("done_today", Boolean),
        column("skipped_today", Boolean),
    )
)


def with_streaks(page: CTE) -> Select:
    """The rows of `page` (one owner's habits and the window's `_total`, last) in its order, each with its
    streak fields: the page and its streaks in one statement (the habit list's HotPage), today as :today."""
    found = _STREAKS_OF_PAGE.subquery("streaks")
    return (
        select(
            *(c for c in page.c if c.key != "_total"),
            cast(func.coalesce(found.c.current_streak, 0), Integer).label("current_streak"),
            cast(func.coalesce(found.c.best_streak, 0), Integer).label("best_streak"),
            func.coalesce(found.c.done_today, false()).label("done_today"),
            func.coalesce(found.c.skipped_today, false()).label("skipped_today"),
            page.c._total,
        )
        .select_from(page.outerjoin(found, found.c.habit_id == page.c.id))
        .order_by(page.c.id)
    )


def owner_zones(habits: list[Habit], zones: dict[int, str] | None = None) -> dict[int, str]:
    """Owner id → time zone for `habits`; `zones` saves the query for owners the caller already knows."""
    known = dict(zones or {})
    missing = {h.owner_id for h in habits} - known.keys()
    if missing:
        known.update(db.session.execute(select(User.id, User.timezone).where(User.id.in_(missing))).all())
    return known


def attach_streaks(
    habits: list[Habit], zones: dict[int, str] | None = None, now: datetime | None = None
) -> list[Habit]:
    """Set current_streak, best_streak, done_today and skipped_today on every habit, in one query."""
    for habit in habits:
        habit.current_streak = habit.best_streak = 0
        habit.done_today = habit.skipped_today = False
    if not habits:
        return habits
    now = now or utcnow()
    tz = owner_zones(habits, zones)
    by_id = {habit.id: habit for habit in habits}
    todays = [local_today(tz[h.owner_id], now) for h in by_id.values()]
    for row in _streak_rows(list(by_id), todays, [h.periodicity_days for h in by_id.values()]):
        habit = by_id[row.habit_id]
        habit.current_streak, habit.best_streak = int(row.current_streak), int(row.best_streak)
        habit.done_today, habit.skipped_today = bool(row.done_today), bool(row.skipped_today)
    return habits


def _streak_rows(ids: list[int], todays: list[date], periods: list[int]):
    return db.session.execute(_STREAKS, {"ids": ids, "todays": todays, "periods": periods})


def day_states(habit: Habit, today: date, days: int, done: set[date], skipped: set[date]) -> list[dict[str, Any]]:
    """API.md's day-by-day history, oldest first and ending today: done, skipped, missed or not_due.

    A period that has ended with neither a completion nor a skip is `missed` on its last day; every other day
    without an entry is `not_due` (kept periods, the rest of a missed period, days before the habit existed,
    and the current period, which is still open). `done`/`skipped` must cover the periods the window touches.
    """
    every = habit.periodicity_days
    kept = {(today - day).days // every for day in done | skipped if day <= today}
    history = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        period = offset // every
        if day in done:
            state = "done"
        elif day in skipped:
            state = "skipped"
        elif period > 0 and day >= habit.anchor_date and period not in kept and offset == period * every:
            state = "missed"
        else:
            state = "not_due"
        history.append({"date": day, "state": state})
    return history


def habit_stats(habit: Habit, days: int, now: datetime | None = None) -> dict[str, Any]:
    """GET /habits/{id}/stats: the streaks, the window's counts by state, the rate and the history."""
    now = now or utcnow()
    zones = owner_zones([habit])
    today = local_today(zones[habit.owner_id], now)
    # The oldest period the window touches may start before the window: its entries decide whether it was kept.
    every = habit.periodicity_days
    since = today - timedelta(days=(days - 1) // every * every + every - 1)
    entries = union_all(
        select(HabitCompletion.date, literal(True).label("is_done")).where(
            HabitCompletion.habit_id == habit.id, HabitCompletion.date.between(since, today)
        ),
        select(HabitSkip.date, literal(False).label("is_done")).where(
            HabitSkip.habit_id == habit.id, HabitSkip.date.between(since, today)
        ),
    )
    done: set[date] = set()
    skipped: set[date] = set()
    for day, is_done in db.session.execute(entries):
        (done if is_done else skipped).add(day)
    history = day_states(habit, today, days, done, skipped)
    attach_streaks([habit], zones, now)
    counts = {state: sum(1 for d in history if d["state"] == state) for state in ("done", "skipped", "missed")}
    judged = counts["done"] + counts["missed"]
    return {
        "current_streak": habit.current_streak,
        "best_streak": habit.best_streak,
        **counts,
        "rate": counts["done"] / judged if judged else None,
        "days": history,
    }
