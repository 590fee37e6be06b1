"""The jobs module against real Redis: what `enqueue` puts on the queue runs in a worker."""

import pytest

from app.common import queue
from app.extensions import db
from app.notify.models import TelegramLink


def probe_job(user_id: int, chat_id: int, *, username: str = "") -> None:
    db.session.add(TelegramLink(user_id=user_id, chat_id=chat_id, username=username))


def test_enqueue_puts_a_runnable_job_on_the_queue(app, user, redis_client):
    saved = app.config["JOBS_INLINE"]
    app.config["JOBS_INLINE"] = False
    try:
        queue.enqueue(probe_job, user.id, 4242, username="probe")
    finally:
        app.config["JOBS_INLINE"] = saved
    queued = queue.rq_queue(redis_client).jobs
    assert len(queued) == 1
    job = queued[0]
    assert job.args == ("tests.test_jobs.probe_job", user.id, 4242)
    assert job.kwargs == {"username": "probe"}


def test_enqueue_refuses_ids_rq_would_refuse(app, user, redis_client):
    """Callers build ids from letters, digits, "_" and "-"; nothing rewrites a bad one behind their back."""
    saved = app.config["JOBS_INLINE"]
    app.config["JOBS_INLINE"] = False
    try:
        with pytest.raises(ValueError, match="rq refuses"):
            queue.enqueue(probe_job, user.id, 4243, job_id="task-overdue:7:2026-11-22T08:00:00+00:00")
        queue.enqueue(probe_job, user.id, 4243, job_id="task-overdue-7-1795334400")
    finally:
        app.config["JOBS_INLINE"] = saved
    (job,) = queue.rq_queue(redis_client).jobs
    assert job.id == "task-overdue-7-1795334400"
