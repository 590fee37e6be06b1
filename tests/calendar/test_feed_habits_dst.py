"""Habit recurrences, expanded the way a calendar app does, keep their local time across DST switches."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from sqlalchemy import update

from app.extensions import db
from app.habits.models import Habit, next_occurrence


def _anchor(habit_id: int, day: date) -> None:
    db.session.execute(update(Habit).where(Habit.id == habit_id).values(anchor_date=day))


def _occurrences(cal, url: str, start: date, end: date) -> list:
    return recurring_ical_events.of(cal.calendar(url)).between(start, end)


@pytest.mark.parametrize(
    "tz, anchor, end",
    [
        ("America/New_York", date(2026, 3, 1), date(2026, 3, 31)),  # spring forward on 8 March
        ("America/New_York", date(2026, 10, 20), date(2026, 11, 20)),  # fall back on 1 November
        ("Europe/Berlin", date(2026, 3, 15), date(2026, 4, 15)),  # spring forward on 29 March
        ("Europe/Berlin", date(2026, 10, 10), date(2026, 11, 10)),  # fall back on 25 October
    ],
)
@pytest.mark.parametrize("every", [1, 3, 7])
def test_occurrences_stay_at_local_wall_clock_time(cal, user, tz, anchor, end, every):
    cal.set_timezone(user, tz)
    habit = cal.habit(user, time="07:30", periodicity_days=every, duration_seconds=120)
    _anchor(habit["id"], anchor)
    zone = ZoneInfo(tz)
    events = _occurrences(cal, cal.subscribe(user), anchor, end)
    expected_days = [anchor + timedelta(days=i) for i in range(0, (end - anchor).days, every)]
    assert [ev.start.astimezone(zone).date() for ev in events] == expected_days
    for ev in events:
        local = ev.start.astimezone(zone)
        assert (local.hour, local.minute) == (7, 30)
        assert ev.end - ev.start == timedelta(seconds=120)
    offsets = {ev.start.astimezone(zone).utcoffset() for ev in events}
    assert len(offsets) == 2  # the range really crosses the switch


def test_occurrences_match_the_reminder_schedule(cal, user):
    """The feed and the Telegram reminders agree on every instant, even for a time inside the DST gap."""
    cal.set_timezone(user, "America/New_York")
    habit = cal.habit(user, time="02:30", periodicity_days=1)
    anchor = date(2026, 3, 5)
    _anchor(habit["id"], anchor)
    events = _occurrences(cal, cal.subscribe(user), anchor, date(2026, 3, 12))
    row = db.session.get(Habit, habit["id"])
    after = datetime(2026, 3, 4, 12, tzinfo=UTC)
    for ev in events:
        after = next_occurrence(anchor, row.time, 1, after, "America/New_York")
        assert ev.start.astimezone(UTC) == after
    assert len(events) == 7


def test_habit_occurrences_follow_the_owners_time_zone(cal, user):
    cal.set_timezone(user, "Asia/Tokyo")
    habit = cal.habit(user, time="21:00")
    _anchor(habit["id"], date(2026, 6, 1))
    url = cal.subscribe(user)
    first = _occurrences(cal, url, date(2026, 6, 1), date(2026, 6, 2))[0]
    assert first.start.astimezone(UTC) == datetime(2026, 6, 1, 12, tzinfo=UTC)
    body = cal.fetch(url).data.decode()
    assert "DTSTART;TZID=Asia/Tokyo:20260601T210000" in body
    assert "TZID:Asia/Tokyo" in body and "X-WR-TIMEZONE:Asia/Tokyo" in body
