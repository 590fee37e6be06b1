"""The habit limits are one fact: the spec, the service and the database CHECK all hold the models' constants."""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.errors import ValidationFailed
from app.extensions import db
from app.habits import models, services

LIMITS = {
    "periodicity_days": (models.PERIODICITY_DAYS_MIN, models.PERIODICITY_DAYS_MAX),
    "duration_seconds": (models.DURATION_SECONDS_MIN, models.DURATION_SECONDS_MAX),
}


@pytest.mark.parametrize("schema", ["HabitWrite", "HabitUpdate"])
def test_the_spec_states_the_limits(client, schema):
    fields = client.get("/openapi.json").json["components"]["schemas"][schema]["properties"]
    for field, (low, high) in LIMITS.items():
        assert (fields[field]["minimum"], fields[field]["maximum"]) == (low, high)
        assert f"{low}..{high}" in fields[field]["description"]


@pytest.mark.parametrize("field", LIMITS)
def test_the_service_refuses_beyond_the_limits_without_the_schema(user, field):
    low, high = LIMITS[field]
    owner = db.session.get(User, user.id)
    for value in (low - 1, high + 1):
        data = {"action": "read", "place": "home", "time": time(7, 30), "duration_seconds": 60, field: value}
        with pytest.raises(ValidationFailed) as refused:
            services.create_habit(owner, data)
        assert field in refused.value.errors["json"]


@pytest.mark.parametrize("field", LIMITS)
def test_the_database_refuses_beyond_the_limits(user, field):
    low, high = LIMITS[field]
    for value, accepted in ((low, True), (high, True), (low - 1, False), (high + 1, False)):
        values = {"periodicity_days": 1, "duration_seconds": 60, field: value}
        habit = models.Habit(
            owner_id=user.id, action="read", place="home", time=time(7, 30), anchor_date=date(2030, 1, 1), **values
        )
        with db.session.begin_nested() as savepoint:
            db.session.add(habit)
            if accepted:
                db.session.flush()
                savepoint.rollback()
            else:
                with pytest.raises(sa.exc.IntegrityError):
                    db.session.flush()
