"""Streak and statistics tables: periods of periodicity_days counted back from the owner's today."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.auth.models import User
from app.extensions import db
from app.habits.models import Habit, HabitCompletion, HabitSkip
from app.habits.streaks import attach_streaks, habit_stats

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 15:00 in Moscow, the default zone
TODAY = date(2026, 6, 10)


@pytest.fixture
def habit_of(user, make_habit):
    """A habit of `user` created long ago, with completions ("d", n) and skips ("s", n) n days before TODAY."""

    def make(every: int = 1, entries: tuple[tuple[str, int], ...] = (), created: date = date(2026, 1, 1)) -> Habit:
        habit = db.session.get(Habit, make_habit(user, periodicity_days=every)["id"])
        habit.anchor_date = created
        for kind, days_ago in entries:
            model = HabitCompletion if kind == "d" else HabitSkip
            db.session.add(model(habit_id=habit.id, date=TODAY - timedelta(days=days_ago)))
        db.session.flush()
        return habit

    return make


def streaks(habit: Habit, now: datetime = NOW) -> tuple[int, int, bool, bool]:
    attach_streaks([habit], now=now)
    return habit.current_streak, habit.best_streak, habit.done_today, habit.skipped_today


D = lambda *days: tuple(("d", n) for n in days)  # noqa: E731
S = lambda *days: tuple(("s", n) for n in days)  # noqa: E731


@pytest.mark.parametrize(
    ("every", "entries", "current", "best"),
    [
        (1, (), 0, 0),
        (1, D(0, 1, 2), 3, 3),
        (1, D(1, 2), 2, 2),  # today is still open: the chain may end yesterday
        (1, D(2, 3), 0, 2),  # yesterday and today empty: broken
        (1, D(0, 2) + S(1), 2, 2),  # a skip keeps the chain and does not count in it
        (1, D(0, 1, 3, 4, 5, 6), 2, 4),  # best_streak after a broken chain
        (1, D(0, 1, 3, 4, 5, 6) + S(2), 6, 6),  # ... mended by skipping the gap
        (1, S(0, 1), 0, 0),  # only skips: kept, but nothing to count
        (1, S(0) + D(1, 2), 2, 2),
        (1, S(-1) + D(1), 1, 1),  # a planned skip ahead is not counted yet
        (3, D(2, 5, 8, 12), 3, 3),  # one completion per 3-day period keeps it
        (3, D(0, 1, 2), 3, 3),  # several completions in one period all count
        (3, D(3, 6), 2, 2),  # the current period is still open
        (3, D(6), 0, 1),  # the previous period is empty: broken
        (3, D(0, 7) + S(4), 2, 2),
        (3, D(0, 9), 1, 1),  # periods 0 and 3: the gap of two empty periods breaks it
        (7, D(0, 7, 13, 20), 4, 4),
        (7, D(14, 21), 0, 2),
    ],
)
def test_streak_table(habit_of, every, entries, current, best):
    assert streaks(habit_of(every, entries))[:2] == (current, best)


def test_done_and_skipped_today(habit_of):
    assert streaks(habit_of(1, D(0)))[2:] == (True, False)
    assert streaks(habit_of(1, S(0)))[2:] == (False, True)
    assert streaks(habit_of(1, D(1) + S(2)))[2:] == (False, False)


def _in(zone: str, user) -> None:
    db.session.get(User, user.id).timezone = zone
    db.session.flush()


@pytest.mark.parametrize(
    ("zone", "now", "today_done", "current"),
    [
        # 23:59 and 00:01 in Moscow (UTC+3) around the local midnight of 10 → 11 June
        ("Europe/Moscow", datetime(2026, 6, 10, 20, 59, tzinfo=UTC), True, 3),
        ("Europe/Moscow", datetime(2026, 6, 10, 21, 1, tzinfo=UTC), False, 3),
        ("Europe/Moscow", datetime(2026, 6, 11, 21, 1, tzinfo=UTC), False, 0),
    ],
)
def test_the_day_boundary_is_the_owner_s_midnight(habit_of, user, zone, now, today_done, current):
    _in(zone, user)
    habit = habit_of(1, D(0, 1, 2))
    got = streaks(habit, now)
    assert (got[0], got[2]) == (current, today_done)


@pytest.mark.parametrize(
    ("days", "now", "today_done", "current"),
    [
        # spring forward in New York on 8 March 2026 (02:00 EST → 03:00 EDT): the day has 23 hours
        ((date(2026, 3, 7), date(2026, 3, 8)), datetime(2026, 3, 9, 3, 59, tzinfo=UTC), True, 2),  # 23:59 EDT
        ((date(2026, 3, 7), date(2026, 3, 8)), datetime(2026, 3, 9, 4, 1, tzinfo=UTC), False, 2),  # 00:01 on 9th
        ((date(2026, 3, 7), date(2026, 3, 8)), datetime(2026, 3, 8, 4, 59, tzinfo=UTC), True, 1),  # 23:59 EST, 7th
        # fall back on 1 November 2026 (02:00 EDT → 01:00 EST): the day has 25 hours
        ((date(2026, 10, 31), date(2026, 11, 1)), datetime(2026, 11, 2, 4, 59, tzinfo=UTC), True, 2),  # 23:59 EST
        ((date(2026, 10, 31), date(2026, 11, 1)), datetime(2026, 11, 2, 5, 1, tzinfo=UTC), False, 2),  # 00:01 on 2nd
        ((date(2026, 10, 31), date(2026, 11, 1)), datetime(2026, 11, 1, 3, 59, tzinfo=UTC), True, 1),  # 23:59 EDT, 31st
    ],
)
def test_dst_switches_change_nothing_but_the_clock(user, make_habit, days, now, today_done, current):
    _in("America/New_York", user)
    habit = db.session.get(Habit, make_habit(user)["id"])
    for day in days:
        db.session.add(HabitCompletion(habit_id=habit.id, date=day))
    db.session.flush()
    got = streaks(habit, now)
    assert (got[0], got[2]) == (current, today_done)


def test_a_move_to_another_zone_counts_from_the_new_today(habit_of, user):
    """At 20:00 UTC it is already the 11th in Tokyo but still the 10th in Los Angeles."""
    now = datetime(2026, 6, 10, 20, 0, tzinfo=UTC)
    _in("Asia/Tokyo", user)
    habit = habit_of(1, (("d", -1), ("d", 0), ("d", 1)))  # 11th (Tokyo's today), 10th, 9th
    assert streaks(habit, now) == (3, 3, True, False)
    _in("America/Los_Angeles", user)
    # The 11th has not begun in LA: it is neither today's completion nor counted yet; the 10th is today.
    assert streaks(habit, now) == (2, 2, True, False)
    assert streaks(habit, now + timedelta(days=1)) == (3, 3, True, False)


def _states(stats: dict) -> str:
    return "".join({"done": "D", "skipped": "S", "missed": "M", "not_due": "."}[d["state"]] for d in stats["days"])


@pytest.mark.parametrize(
    ("every", "entries", "days", "created", "states", "counts", "rate"),
    [
        # oldest first, ending today
        (1, D(0, 3) + S(2), 7, None, "MMMDSMD", (2, 1, 4), 2 / 6),
        (1, (), 5, TODAY - timedelta(days=2), "..MM.", (0, 0, 2), 0.0),  # days before creation are not due
        (1, (), 30, TODAY, "." * 30, (0, 0, 0), None),
        (3, D(4), 9, None, "..M.D....", (1, 0, 1), 0.5),  # a missed period shows on its last day
        (3, (), 2, None, "..", (0, 0, 0), None),  # today's period is still open
        (3, (), 4, None, "M...", (0, 0, 1), 0.0),
        (3, D(5), 4, None, "....", (0, 0, 0), None),  # kept by a completion before the window
        (3, S(5), 4, None, "....", (0, 0, 0), None),
        (7, D(0, 10), 14, None, "...D.........D", (2, 0, 0), 1.0),
    ],
)
def test_stats_table(habit_of, every, entries, days, created, states, counts, rate):
    habit = habit_of(every, entries, created or date(2026, 1, 1))
    stats = habit_stats(habit, days, NOW)
    assert _states(stats) == states
    assert (stats["done"], stats["skipped"], stats["missed"]) == counts
    assert stats["rate"] == rate
    assert stats["days"][0]["date"] == TODAY - timedelta(days=days - 1) and stats["days"][-1]["date"] == TODAY
