"""Habit fixtures: a valid body and a habit factory through the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from app.common.timeutil import utcnow
from app.extensions import db
from app.habits.jobs import schedule_reminder
from app.habits.models import Habit

BASE = "/api/v1/habits"


def body(**overrides: Any) -> dict[str, Any]:
    data = {
        "action": "сделать 10 приседаний",
        "place": "дома",
        "time": "07:30",
        "periodicity_days": 1,
        "duration_seconds": 60,
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_habit(api):
    def make(who, **overrides):
        response = api.post(BASE, who, json=body(**overrides))
        assert response.status_code == 201, response.json
        return response.json

    return make


def due_in(habit_id: int, seconds: float) -> datetime:
    """Make a habit's reminder due `seconds` from now, committed, for a live worker.py to send."""
    when = (utcnow() + timedelta(seconds=seconds)).replace(microsecond=0)
    db.session.execute(update(Habit).where(Habit.id == habit_id).values(next_reminder_at=when))
    schedule_reminder(habit_id, when)
    db.session.commit()
    return when
