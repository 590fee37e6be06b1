from datetime import timedelta

import pytest
from sqlalchemy import update

from app.common import queue
from app.common.timeutil import local_today, utcnow
from app.extensions import db
from app.habits.jobs import send_reminder, snooze_job_id
from app.habits.models import Habit, HabitSnooze
from app.habits.reminders import sync_reminders
from app.notify.models import TelegramLink
from tests.habits.conftest import BASE

SCHEDULE = "rq:scheduler:scheduled_jobs"


@pytest.fixture
def linked(user):
    db.session.add(TelegramLink(user_id=user.id, chat_id=4242))
    db.session.flush()
    return user


def _due(habit_id, seconds_ago=1):
    when = (utcnow() - timedelta(seconds=seconds_ago)).replace(microsecond=0)
    db.session.execute(update(Habit).where(Habit.id == habit_id).values(next_reminder_at=when))
    return when


def test_sends_once_with_the_right_text_and_schedules_the_next(app, make_habit, linked, fake_telegram, redis_client):
    pleasant = make_habit(linked, is_pleasant=True, action="выпить кофе")
    habit = make_habit(linked, related_habit_id=pleasant["id"])
    when = _due(habit["id"])
    assert queue.run_job("app.habits.jobs.send_reminder", habit["id"], when.isoformat()) == "sent"
    assert queue.run_job("app.habits.jobs.send_reminder", habit["id"], when.isoformat()) == "superseded"
    [message] = fake_telegram.messages()
    assert message["text"] == "Я буду сделать 10 приседаний в 07:30 в дома\nЗатем: выпить кофе"
    following = db.session.get(Habit, habit["id"], populate_existing=True).next_reminder_at
    assert following > utcnow()
    assert redis_client.zscore(SCHEDULE, f"habit-reminder-{habit['id']}") == following.timestamp()


def test_reward_text(make_habit, linked, fake_telegram):
    habit = make_habit(linked, reward="серия")
    when = _due(habit["id"])
    send_reminder(habit["id"], when.isoformat())
    assert fake_telegram.messages()[0]["text"].endswith("\nНаграда: серия")


def test_stale_occurrence_is_skipped_and_moved_on(app, make_habit, linked, fake_telegram):
    habit = make_habit(linked)
    when = _due(habit["id"], seconds_ago=app.config["REMINDER_STALE_SECONDS"] + 5)
    assert send_reminder(habit["id"], when.isoformat()) == "stale"
    assert fake_telegram.messages() == []
    assert db.session.get(Habit, habit["id"], populate_existing=True).next_reminder_at > utcnow()


def test_completed_day_is_not_reminded(api, make_habit, linked, fake_telegram):
    habit = make_habit(linked)
    when = _due(habit["id"])
    api.post(f"{BASE}/{habit['id']}/completions", linked, json={})
    assert send_reminder(habit["id"], when.isoformat()) == "completed"
    assert fake_telegram.messages() == []


def test_skipped_day_is_not_reminded(api, make_habit, linked, fake_telegram):
    habit = make_habit(linked)
    when = _due(habit["id"])
    assert api.post(f"{BASE}/{habit['id']}/skips", linked, json={}).status_code == 201
    assert send_reminder(habit["id"], when.isoformat()) == "skipped"
    assert fake_telegram.messages() == []


def test_changed_deleted_and_unlinked(api, make_habit, linked, user, fake_telegram):
    habit = make_habit(linked)
    when = _due(habit["id"])
    assert send_reminder(habit["id"], (when - timedelta(days=1)).isoformat()) == "superseded"
    db.session.execute(update(TelegramLink).values(blocked_at=utcnow()))
    assert send_reminder(habit["id"], when.isoformat()) == "not sent"
    api.delete(f"{BASE}/{habit['id']}", user)
    assert send_reminder(habit["id"], when.isoformat()) == "deleted"
    assert fake_telegram.messages() == []


def test_sync_rebuilds_every_job_after_flushdb(app, make_habit, user, redis_client):
    habits = [make_habit(user) for _ in range(3)] + [make_habit(user, is_pleasant=True)]
    redis_client.flushdb()
    redis_client.zadd(SCHEDULE, {"habit-reminder-999999": 1})
    result = app.test_cli_runner().invoke(args=["reminders", "sync"])
    assert "Rebuilt 3 reminder jobs" in result.output
    ids = {m.decode() for m in redis_client.zrange(SCHEDULE, 0, -1)}
    assert ids == {f"habit-reminder-{h['id']}" for h in habits[:3]}
    job = queue.fetch(f"habit-reminder-{habits[0]['id']}")
    assert job.args[:2] == ("app.habits.jobs.send_reminder", habits[0]["id"])


def test_periodic_registry_is_idempotent(redis_client):
    specs = [queue.PeriodicJob("demo-tick", _record, 60)]
    assert queue.register_periodic_jobs(specs) == ["demo-tick"]
    assert queue.register_periodic_jobs(specs) == ["demo-tick"]
    assert redis_client.zcard(SCHEDULE) == 1
    assert queue.fetch("demo-tick").args[0] == "tests.habits.test_reminders._record"


def test_periodic_entry_of_an_older_release_is_replaced(redis_client):
    """An entry stored under another job path (a module moved between releases) is rewritten at start-up."""
    queue.register_periodic_jobs([queue.PeriodicJob("demo-tick", _moved_away, 60)])
    queue.register_periodic_jobs([queue.PeriodicJob("demo-tick", _record, 60)])
    assert queue.fetch("demo-tick").args[0] == "tests.habits.test_reminders._record"
    assert redis_client.zcard(SCHEDULE) == 1


CALLS: list[int] = []


def _record(value: int = 0) -> None:
    CALLS.append(value)


def _moved_away() -> None:
    """Stands for a job function at the path an older release used."""


def test_sync_restores_unsent_snoozes_and_drops_the_rest(api, make_habit, linked, redis_client):
    pending, sent = make_habit(linked), make_habit(linked)
    day = local_today("Europe/Moscow")
    due = (utcnow() + timedelta(minutes=5)).replace(microsecond=0)
    db.session.add(HabitSnooze(habit_id=pending["id"], date=day, due_at=due))
    db.session.add(HabitSnooze(habit_id=sent["id"], date=day, due_at=due, sent_at=utcnow()))
    db.session.flush()
    redis_client.flushdb()
    queue.schedule_at(due, send_reminder, sent["id"], due.isoformat(), job_id=snooze_job_id(sent["id"], day))
    assert sync_reminders() == 3  # two habits' reminders and the one unsent snooze
    assert redis_client.zscore(SCHEDULE, snooze_job_id(pending["id"], day)) == due.timestamp()
    assert redis_client.zscore(SCHEDULE, snooze_job_id(sent["id"], day)) is None
