"""Notifications: online → toast, offline → one Telegram message; overdue alerts once per deadline."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from app.common.queue import run_job
from app.events import presence
from app.events.pubsub import user_channel
from app.extensions import db
from app.notify.models import TelegramLink
from app.teams import jobs as team_jobs
from app.teams.models import Task


def link(user_id: int) -> None:
    db.session.add(TelegramLink(user_id=user_id, chat_id=5000 + user_id, telegram_user_id=9000 + user_id))
    db.session.commit()


def test_assignment_offline_sends_one_telegram_message(api, world, fake_telegram, drain_jobs):  # noqa: F811
    link(world.member.id)
    r = api.post(
        f"/api/v1/lists/{world.list_id}/tasks", world.admin, json={"title": "Review", "assignee_id": world.member.id}
    )
    assert r.status_code == 201
    assert drain_jobs() >= 1
    team_jobs.notify_task_assigned(r.json["id"], world.member.id)  # a duplicate delivery of the same job
    db.session.commit()
    messages = fake_telegram.wait_for_messages(1)
    assert len(messages) == 1 and "Review" in messages[0]["text"]
    assert messages[0]["chat_id"] in (5000 + world.member.id, str(5000 + world.member.id))


def test_self_assignment_notifies_nobody(api, world, fake_telegram, drain_jobs):  # noqa: F811
    link(world.admin.id)
    api.post(f"/api/v1/lists/{world.list_id}/tasks", world.admin, json={"title": "Mine", "assignee_id": world.admin.id})
    drain_jobs()
    assert fake_telegram.messages() == []


def test_assignment_online_toasts_and_skips_telegram(api, world, fake_telegram, redis_client):  # noqa: F811
    link(world.member.id)
    presence.touch(world.member.id, "socket-1")
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(user_channel(world.member.id))
    task = api.patch(f"/api/v1/tasks/{world.task_id}", world.admin, json={"assignee_id": world.member.id}).json
    team_jobs.notify_task_assigned(task["id"], world.member.id)
    db.session.commit()
    events = []
    deadline = time.monotonic() + 2
    while len(events) < 2 and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message:
            events.append(json.loads(message["data"]))
    assert [e["type"] for e in events] == ["task.updated", "toast"]
    toast = events[1]
    assert toast["type"] == "toast" and set(toast) == {"type", "title", "body", "level"}
    assert "Ship it" in toast["body"]
    assert fake_telegram.messages() == []
    pubsub.close()


def _make_overdue(task_id: int, hours: int = 1) -> None:
    task = db.session.get(Task, task_id)
    task.deadline = datetime.now(UTC) - timedelta(hours=hours)
    db.session.commit()


@pytest.mark.live
def test_concurrent_overdue_runs_alert_once_and_a_later_deadline_rearms(
    app,
    api,
    world,
    fake_telegram,
    drain_jobs,
):
    link(world.admin.id)  # unassigned task: its creator is told
    _make_overdue(world.task_id)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            counts.append(run_job("app.teams.jobs.mark_overdue_tasks"))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(counts) == [0, 1]
    assert drain_jobs() == 1  # one alert queued, by the run that marked the task
    assert len(fake_telegram.wait_for_messages(1)) == 1
    with app.app_context():
        run_job("app.teams.jobs.mark_overdue_tasks")
        run_job("app.teams.jobs.notify_task_overdue", world.task_id)
    drain_jobs()
    assert len(fake_telegram.messages()) == 1

    later = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()  # later, yet still past
    moved = api.patch(f"/api/v1/tasks/{world.task_id}", world.admin, json={"deadline": later})
    assert moved.json["is_overdue"] is False
    with app.app_context():
        assert run_job("app.teams.jobs.mark_overdue_tasks") == 1
    assert drain_jobs() == 1
    assert len(fake_telegram.wait_for_messages(2)) == 2


@pytest.mark.live
def test_concurrent_notification_jobs_send_once(app, world, fake_telegram):  # noqa: F811
    link(world.admin.id)
    task = db.session.get(Task, world.task_id)
    task.deadline, task.is_overdue = datetime.now(UTC) - timedelta(hours=1), True
    db.session.commit()
    barrier = threading.Barrier(3)

    def run() -> None:
        with app.app_context():
            barrier.wait()
            run_job("app.teams.jobs.notify_task_overdue", world.task_id)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(fake_telegram.wait_for_messages(1)) == 1
    assert len(fake_telegram.messages()) == 1
