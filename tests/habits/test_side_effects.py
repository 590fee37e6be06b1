"""Reminder jobs follow committed habits only, and Redis trouble after the commit is never a 500."""

from __future__ import annotations

import redis
from sqlalchemy import func, select

from app.extensions import db, redis_store
from app.habits.models import Habit
from app.habits.reminders import sync_reminders
from tests.habits.conftest import BASE, body

SCHEDULE = "rq:scheduler:scheduled_jobs"


def _redis_down(monkeypatch) -> None:
    """The app's Redis client points at a port nothing listens on (the database stays up)."""
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(redis_store, "_client", dead)


def test_creating_a_habit_while_redis_is_down_answers_201_once(api, user, monkeypatch, redis_client):
    """The habit is committed: the answer is its 201, never a 500 that a retrying client would turn into a
    duplicate. The reminder job that could not be written is rebuilt from PostgreSQL by the sync."""
    _redis_down(monkeypatch)
    response = api.post(BASE, user, json=body())
    assert response.status_code == 201, response.json
    assert db.session.scalar(select(func.count(Habit.id)).where(Habit.owner_id == user.id)) == 1
    assert redis_client.zscore(SCHEDULE, f"habit-reminder-{response.json['id']}") is None

    monkeypatch.undo()  # Redis is back: worker start-up (or `flask reminders sync`) restores the job
    assert sync_reminders() == 1
    assert redis_client.zscore(SCHEDULE, f"habit-reminder-{response.json['id']}") is not None


def test_changing_and_deleting_while_redis_is_down_answer_success(api, user, make_habit, monkeypatch):
    habit = make_habit(user)
    _redis_down(monkeypatch)
    assert api.patch(f"{BASE}/{habit['id']}", user, json={"time": "08:15"}).status_code == 200
    assert api.delete(f"{BASE}/{habit['id']}", user).status_code == 204
    assert db.session.get(Habit, habit["id"]) is None


def test_a_rejected_habit_schedules_nothing(api, user, redis_client):
    response = api.post(BASE, user, json=body(duration_seconds=121))
    assert response.status_code == 422
    assert redis_client.zcard(SCHEDULE) == 0
