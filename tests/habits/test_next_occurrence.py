from datetime import UTC, date, datetime, time

import pytest

from app.habits.models import next_occurrence


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "now", "expected"),
    [
        # east of UTC: 07:30 Moscow = 04:30 UTC
        ("Europe/Moscow", utc(2026, 3, 10, 4, 0), utc(2026, 3, 10, 4, 30)),
        ("Europe/Moscow", utc(2026, 3, 10, 4, 30), utc(2026, 3, 11, 4, 30)),  # strictly after
        ("Asia/Tokyo", utc(2026, 3, 9, 23, 0), utc(2026, 3, 10, 22, 30)),  # local 08:00 on the 10th, past 07:30
        # west of UTC: 07:30 Los Angeles (PDT, -7) = 14:30 UTC
        ("America/Los_Angeles", utc(2026, 6, 1, 6, 0), utc(2026, 6, 1, 14, 30)),
    ],
)
def test_daily_in_zones_east_and_west(tz, now, expected):
    assert next_occurrence(date(2026, 1, 1), time(7, 30), 1, now, tz) == expected


@pytest.mark.parametrize(("every", "expected_day"), [(1, 11), (3, 13), (7, 15)])
def test_periodicity_counts_from_the_anchor_day(every, expected_day):
    # anchor 2026-03-01; after 2026-03-10 08:00 Moscow
    got = next_occurrence(date(2026, 3, 1), time(7, 30), every, utc(2026, 3, 10, 5, 0), "Europe/Moscow")
    assert got == utc(2026, 3, expected_day, 4, 30)


def test_before_the_anchor_the_first_occurrence_is_the_anchor_day():
    got = next_occurrence(date(2026, 3, 20), time(7, 30), 3, utc(2026, 3, 10), "Europe/Moscow")
    assert got == utc(2026, 3, 20, 4, 30)


def test_spring_forward_non_existent_time_moves_forward_by_the_gap():
    # 2026-03-08: New York clocks jump 02:00 → 03:00; 02:30 does not exist → 03:30 EDT = 07:30 UTC
    got = next_occurrence(date(2026, 3, 1), time(2, 30), 1, utc(2026, 3, 8, 5, 0), "America/New_York")
    assert got == utc(2026, 3, 8, 7, 30)
    # the next day keeps the wall clock: 02:30 EDT = 06:30 UTC
    assert next_occurrence(date(2026, 3, 1), time(2, 30), 1, got, "America/New_York") == utc(2026, 3, 9, 6, 30)


def test_fall_back_ambiguous_time_fires_once_at_its_first_instance():
    # 2026-11-01: New York 01:30 happens twice; the first (EDT, -4) is 05:30 UTC
    first = next_occurrence(date(2026, 10, 1), time(1, 30), 1, utc(2026, 11, 1, 0, 0), "America/New_York")
    assert first == utc(2026, 11, 1, 5, 30)
    following = next_occurrence(date(2026, 10, 1), time(1, 30), 1, first, "America/New_York")
    assert following == utc(2026, 11, 2, 6, 30)  # not the second 01:30 (06:30 UTC on the 1st)


def test_wall_clock_holds_across_dst_week_by_week():
    got = next_occurrence(date(2026, 3, 1), time(9, 0), 7, utc(2026, 3, 1, 15, 0), "America/New_York")
    assert got == utc(2026, 3, 8, 13, 0)  # 09:00 EDT after the change (was 14:00 UTC in EST)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 5, 31, 20, 59), utc(2026, 5, 31, 21, 0)),  # 23:59 → midnight Moscow the same instant
        (utc(2026, 5, 31, 21, 0), utc(2026, 6, 1, 21, 0)),
    ],
)
def test_midnight_boundaries(now, expected):
    assert next_occurrence(date(2026, 1, 1), time(0, 0), 1, now, "Europe/Moscow") == expected


def test_model_method_uses_the_habit_fields():
    from app.habits.models import Habit

    habit = Habit(anchor_date=date(2026, 1, 1), time=time(23, 45), periodicity_days=2)
    # Kiritimati is UTC+14: 23:45 local on 2026-01-03 is 09:45 UTC that day
    assert habit.next_occurrence(utc(2026, 1, 2, 12, 0), "Pacific/Kiritimati") == utc(2026, 1, 3, 9, 45)
