"""The jobs module against real Redis: what `enqueue` puts on the queue runs in a worker."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.common import queue
from app.extensions import db
from app.notify.models import TelegramLink


def probe_job(user_id: int, chat_id: int, *, username: str = "") -> None:
    db.session.add(TelegramLink(user_id=user_id, chat_id=chat_id, username=username))


def failing_job() -> None:
    raise LookupError("the probe failed")


def test_enqueue_puts_a_runnable_job_on_the_queue(app, user, redis_client):
    queue.enqueue(probe_job, user.id, 4242, username="probe")
    queued = queue.rq_queue(redis_client).jobs
    assert len(queued) == 1
    job = queued[0]
    assert job.args == ("tests.test_jobs.probe_job", user.id, 4242)
    assert job.kwargs == {"username": "probe"}


def test_enqueue_never_runs_the_job_in_the_caller(app, user, redis_client, drain_jobs):
    """One code path: the job waits for a worker, and the worker's run commits it."""
    queue.enqueue(probe_job, user.id, 4244, username="later")
    assert db.session.scalar(select(TelegramLink).where(TelegramLink.chat_id == 4244)) is None
    assert drain_jobs() == 1
    link = db.session.scalar(select(TelegramLink).where(TelegramLink.chat_id == 4244))
    assert (link.user_id, link.username) == (user.id, "later")
    assert queue.rq_queue(redis_client).count == 0


def test_a_failing_job_fails_the_drain(app, redis_client, drain_jobs):
    queue.enqueue(failing_job)
    with pytest.raises(LookupError, match="the probe failed"):
        drain_jobs()


def test_enqueue_refuses_ids_rq_would_refuse(app, user, redis_client):
    """Callers build ids from letters, digits, "_" and "-"; nothing rewrites a bad one behind their back."""
    with pytest.raises(ValueError, match="rq refuses"):
        queue.enqueue(probe_job, user.id, 4243, job_id="task-overdue:7:2026-11-22T08:00:00+00:00")
    queue.enqueue(probe_job, user.id, 4243, job_id="task-overdue-7-1795334400")
    (job,) = queue.rq_queue(redis_client).jobs
    assert job.id == "task-overdue-7-1795334400"


def test_scheduling_takes_the_function_and_refuses_bad_ids(app, user, redis_client):
    """schedule_at and schedule_many take the job function (stored as its path) and check ids like enqueue."""
    when = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(ValueError, match="rq refuses"):
        queue.schedule_at(when, probe_job, user.id, 1, job_id="habit:1")
    with pytest.raises(ValueError, match="rq refuses"):
        queue.schedule_many(redis_client, [("habit 2", when, probe_job, (user.id, 2))])
    assert queue.schedule_many(redis_client, [("probe-3", when, probe_job, (user.id, 3))]) == 1
    job = queue.fetch("probe-3")
    assert job.args == ("tests.test_jobs.probe_job", user.id, 3)
