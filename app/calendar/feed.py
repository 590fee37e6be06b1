"""Building the iCalendar (RFC 5545) body from plain rows: no database, no request.

Choices (documented in the OpenAPI description of the feed too):
- goals: all-day events on the due date (DTEND is the next day, exclusive);
- tasks: timed events in UTC that start at the deadline and last TASK_DURATION (a zero-length event is
  hidden or drawn as a sliver by several calendar apps);
- habits: recurring events at the local wall-clock time with the owner's TZID, so they stay at 07:30
  across daylight-saving changes; DTSTART is the first occurrence (the anchor day).
DTSTAMP and LAST-MODIFIED come from the rows' updated_at, SEQUENCE is the whole seconds between
created_at and updated_at: the body only changes when the data does (days_left aside: it moves daily).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

PRODID = "-//Kalendar//Calendar feed 1.0//EN"
TASK_DURATION = timedelta(minutes=30)
REFRESH_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class FeedOwner:
    username: str
    timezone: str


def sequence(created_at: datetime, updated_at: datetime) -> int:
    """Monotonic revision number without a column: whole seconds from creation to the last change."""
    return max(0, int((updated_at - created_at).total_seconds()))


def _stamp(event: Event, uid: str, created_at: datetime, updated_at: datetime) -> None:
    modified = updated_at.astimezone(UTC).replace(microsecond=0)
    event.add("uid", uid)
    event.add("dtstamp", modified)
    event.add("last-modified", modified)
    event.add("sequence", sequence(created_at, updated_at))


def goal_event(row: Any, today: date, domain: str) -> Event:
    updated = max(row.updated_at, row.category_updated_at)  # a renamed category changes the description
    event = Event()
    _stamp(event, f"goal-{row.id}@{domain}", row.created_at, updated)
    event.add("summary", row.title)
    event.add("dtstart", row.due_date)
    event.add("dtend", row.due_date + timedelta(days=1))
    lines = [f"Status: {row.status}", f"Priority: {row.priority}", f"Category: {row.category}",
             f"Days left: {(row.due_date - today).days}"]
    if row.description:
        lines += ["", row.description]
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT")  # a due date does not make me busy all day
    return event


def task_status(row: Any) -> str:
    return "done" if row.is_done else "overdue" if row.is_overdue else "open"


def task_event(row: Any, domain: str) -> Event:
    event = Event()
    _stamp(event, f"task-{row.id}@{domain}", row.created_at, row.updated_at)
    event.add("summary", row.title)
    event.add("dtstart", row.deadline.astimezone(UTC))
    event.add("duration", TASK_DURATION)
    lines = [f"Status: {task_status(row)}"]
    if row.description:
        lines += ["", row.description]
    event.add("description", "\n".join(lines))
    return event


def habit_sentence(action: str, at: Any, place: str) -> str:
    return f"I will {action} at {at.strftime('%H:%M')} in {place}"


def habit_event(row: Any, zone: ZoneInfo, domain: str) -> Event:
    updated = row.updated_at if row.related_updated_at is None else max(row.updated_at, row.related_updated_at)
    event = Event()
    _stamp(event, f"habit-{row.id}@{domain}", row.created_at, updated)
    event.add("summary", row.action)
    event.add("location", row.place)
    # fold=0: a time inside a spring-forward gap is read with the offset from before it (RFC 5545 3.3.5).
    event.add("dtstart", datetime.combine(row.anchor_date, row.time.replace(tzinfo=None), tzinfo=zone))
    event.add("duration", timedelta(seconds=row.duration_seconds))
    event.add("rrule", {"freq": "daily", "interval": row.periodicity_days})
    lines = [habit_sentence(row.action, row.time, row.place) + "."]
    if row.reward:
        lines.append(f"Reward: {row.reward}")
    elif row.related_action is not None:
        lines.append("Then: " + habit_sentence(row.related_action, row.related_time, row.related_place) + ".")
    event.add("description", "\n".join(lines))
    return event


def build_calendar(owner: FeedOwner, *, goals: Iterable[Any] = (), tasks: Iterable[Any] = (),
                   habits: Iterable[Any] = (), today: date, domain: str) -> bytes:
    """The whole feed as bytes (UTF-8, CRLF, folded at 75 octets, TEXT escaped by icalendar)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Kalendar — {owner.username}")
    cal.add("x-wr-timezone", owner.timezone)
    cal.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH_INTERVAL)
    zone = ZoneInfo(owner.timezone)
    habit_rows = list(habits)
    for row in habit_rows:
        cal.add_component(habit_event(row, zone, domain))
    # Only habits carry a TZID (tasks are UTC, goals are dates), so the scan for missing zones runs while
    # the calendar holds nothing else; VTIMEZONE starts at the earliest anchor for a shorter, stable body.
    if habit_rows:
        cal.add_missing_timezones(first_date=min(row.anchor_date for row in habit_rows) - timedelta(days=1))
    for row in goals:
        cal.add_component(goal_event(row, today, domain))
    for row in tasks:
        cal.add_component(task_event(row, domain))
    return cal.to_ical()
