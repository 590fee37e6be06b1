"""Habit input and output shapes; rules that need the merged habit or the database live in services."""

from __future__ import annotations

import re
from datetime import time

import marshmallow as ma
from marshmallow import fields, validate

from app.common.schemas import BaseSchema, QuerySchema, Text
from app.habits.models import DURATION_SECONDS_MAX, DURATION_SECONDS_MIN, PERIODICITY_DAYS_MAX, PERIODICITY_DAYS_MIN

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class HHMM(fields.Field):
    """A wall-clock time as "HH:MM" (24 h, the owner's time zone)."""

    default_error_messages = {"invalid": "Not a valid time: use HH:MM (24 h)."}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.strftime("%H:%M")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _HHMM.match(value):
            raise self.make_error("invalid")
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))


class HabitWriteSchema(BaseSchema):
    """Body of POST and PUT; PATCH loads it with partial=True. Absent optional fields get their defaults
    in services (PUT replaces the whole habit, PATCH merges), so nothing here invents values."""

    action = Text(255, required=True, metadata={"description": "What I will do"})
    place = Text(255, required=True, metadata={"description": "Where"})
    time = HHMM(required=True, metadata={"description": "HH:MM in my time zone"})
    periodicity_days = fields.Integer(
        strict=True,
        validate=validate.Range(PERIODICITY_DAYS_MIN, PERIODICITY_DAYS_MAX),
        metadata={"description": f"Every N days, {PERIODICITY_DAYS_MIN}..{PERIODICITY_DAYS_MAX}"},
    )
    duration_seconds = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(DURATION_SECONDS_MIN, DURATION_SECONDS_MAX),
        metadata={"description": f"How long it takes, {DURATION_SECONDS_MIN}..{DURATION_SECONDS_MAX} s"},
    )
    is_pleasant = fields.Boolean()
    related_habit_id = fields.Integer(
        allow_none=True, strict=True, metadata={"description": "One of my pleasant habits to do next"}
    )
    reward = Text(255, allow_none=True)
    is_public = fields.Boolean()


class HabitUpdateSchema(HabitWriteSchema):
    """PATCH body: any subset of the fields (used with partial=True)."""


class HabitSchema(ma.Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    action = fields.String()
    place = fields.String()
    time = HHMM()
    periodicity_days = fields.Integer()
    duration_seconds = fields.Integer()
    is_pleasant = fields.Boolean()
    related_habit_id = fields.Integer(allow_none=True)
    reward = fields.String(allow_none=True)
    is_public = fields.Boolean()
    next_reminder_at = fields.AwareDateTime(allow_none=True)
    current_streak = fields.Integer(
        metadata={
            "description": "Completions in the unbroken run of kept periods (periodicity_days windows counted "
            "back from today, kept by a completion or a skip) ending with the current or the previous period"
        }
    )
    best_streak = fields.Integer(metadata={"description": "The largest such count ever"})
    done_today = fields.Boolean(metadata={"description": "Done today (my time zone)"})
    skipped_today = fields.Boolean(metadata={"description": "Skipped today (my time zone)"})
    owner_id = fields.Integer()
    created_at = fields.AwareDateTime()


def _day_field(what: str) -> fields.Date:
    """The optional `date` of a completion or skip body."""
    return fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": f"{what} (YYYY-MM-DD); defaults to today in my time zone"},
    )


class CompletionCreateSchema(BaseSchema):
    date = _day_field("Day it was done")


class SkipCreateSchema(BaseSchema):
    date = _day_field("Day to leave out")


class LoggedDaySchema(ma.Schema):
    """A completion and a skip have one shape; the subclasses only keep their own names in the OpenAPI
    document (Completion, Skip)."""

    class Meta:
        ordered = True

    id = fields.Integer()
    habit_id = fields.Integer()
    date = fields.Date()
    created_at = fields.AwareDateTime()


class CompletionSchema(LoggedDaySchema):
    pass


class SkipSchema(LoggedDaySchema):
    pass


class StatsQuerySchema(QuerySchema):
    days = fields.Integer(
        load_default=30, validate=validate.Range(1, 366), metadata={"description": "Window length, 1..366 days"}
    )


class DayStateSchema(ma.Schema):
    class Meta:
        ordered = True

    date = fields.Date()
    state = fields.String(metadata={"enum": ["done", "skipped", "missed", "not_due"]})


class StatsSchema(ma.Schema):
    class Meta:
        ordered = True

    current_streak = fields.Integer()
    best_streak = fields.Integer()
    done = fields.Integer(metadata={"description": "Days of the window that are done"})
    skipped = fields.Integer()
    missed = fields.Integer(metadata={"description": "Periods of the window that ended with neither"})
    rate = fields.Float(allow_none=True, metadata={"description": "done / (done + missed); null when both are 0"})
    days = fields.List(fields.Nested(DayStateSchema), metadata={"description": "Oldest first, ending today"})
