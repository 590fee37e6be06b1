"""Background jobs: the only module that touches RQ, rq-scheduler and their Redis connection.

Conventions every domain follows:

* A job is a module-level function taking ids (never ORM objects), safe to run twice. Callers hand the
  function itself to `enqueue`/`schedule_at`; what is stored in Redis is `run_job("<dotted path>", *args)`,
  so the job's module is imported only when the job runs.
* `run_job` gives every job a fresh Flask app context and one transaction: commit on success, rollback on
  error, session removed afterwards. Jobs `flush()`; they never commit (except a deliberate claim, see
  `app.habits.jobs`).
* `enqueue`, `schedule_at` and `cancel` act at once. A service that causes a job asks for it through
  `app.common.after_commit`, so nothing is queued for a rolled-back change; inside a job those actions are
  held until RQ has recorded the job's end, so a job can reschedule its own id (RQ would otherwise overwrite
  and expire the new schedule when it saves the finished job).
* Job ids are built by the caller from letters, digits, "_" and "-" (what rq 3 accepts); others are refused.
* Periodic jobs are declared once, in `app.wiring.PERIODIC_JOBS`, with stable ids; `register_periodic_jobs()`
  (called at worker start) is idempotent.
* Timestamps given to the scheduler are aware datetimes; every process runs with TZ=UTC.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue, SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler

from app.common import after_commit
from app.extensions import db, redis_store

#: The queues, in the order the worker takes from them: deferred Telegram deliveries first (each holds a send
#: slot that is due now: queued behind a burst of reminders, the slots would pass unused and the messages
#: then go out in a lump; their arrival is bounded by the send rates, so they never hold the others up for
#: long), then habit reminders, then notifications (task notifications, link confirmations, digests), then
#: the rest (periodic scans, housekeeping).
DELIVERIES = "deliveries"
REMINDERS = "reminders"
NOTIFICATIONS = "notifications"
DEFAULT = "default"
QUEUE_NAMES = (DELIVERIES, REMINDERS, NOTIFICATIONS, DEFAULT)
JOB_TIMEOUT = 300


@dataclass(frozen=True)
class PeriodicJob:
    id: str
    func: Callable[[], Any]
    every_seconds: int


# --- connections ------------------------------------------------------------------------------------


def connection() -> Redis:
    return redis_store.client


def rq_queue(conn: Redis | None = None, name: str = DEFAULT) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"no queue named {name!r}")
    return Queue(name, connection=conn or connection(), default_timeout=JOB_TIMEOUT)


def rq_queues(conn: Redis | None = None) -> list[Queue]:
    """Every queue, in the worker's order (see QUEUE_NAMES)."""
    return [rq_queue(conn, name) for name in QUEUE_NAMES]


def scheduler(conn: Redis | None = None, interval: float = 5) -> Scheduler:
    """rq-scheduler moves a due job to the queue named by the job's origin (set by `schedule_many`)."""
    return Scheduler(queue_name=DEFAULT, connection=conn or connection(), interval=interval)


def dotted(func: Callable) -> str:
    """What Redis stores for a job function: its import path, resolved only when the job runs."""
    return f"{func.__module__}.{func.__qualname__}"


# --- running a job ----------------------------------------------------------------------------------

_bound_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """The worker builds the app once; jobs run in contexts of it."""
    global _bound_app
    _bound_app = app


def _resolve(path: str) -> Callable:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def run_job(path: str, *args: Any, **kwargs: Any) -> Any:
    """What RQ actually runs: the job at `path` in its own app context and transaction.

    The after-commit actions of the job's commits are held (`app.common.after_commit.held`) and run once the
    job is over — under the worker, once RQ has recorded the job's end, so a job may reschedule its own id.
    """
    app = _bound_app or current_app._get_current_object()
    try:
        with after_commit.held() as actions, app.app_context():
            try:
                result = _resolve(path)(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()
    finally:
        if _worker_depth > 0 and not after_commit.holding():
            _after_worker.extend(actions)  # run by JobWorker once RQ has recorded the job's end
        else:
            with app.app_context():
                after_commit.run_actions(actions)


_after_worker: list[after_commit.Action] = []
_worker_depth = 0


class JobWorker(SimpleWorker):
    """Runs jobs in the worker's own process (the app and its pools are built once) and runs the
    after-commit actions of a job after RQ has finished recording it."""

    def perform_job(self, job, queue, execution) -> bool:  # noqa: A002 (RQ's signature)
        global _worker_depth
        _worker_depth += 1
        try:
            return super().perform_job(job, queue, execution)
        finally:
            _worker_depth -= 1
            actions, _after_worker[:] = list(_after_worker), []
            if actions:
                with (_bound_app or current_app._get_current_object()).app_context():
                    after_commit.run_actions(actions)


# --- public API: immediate; services call them through app.common.after_commit -------------------------

_JOB_ID = re.compile(r"[A-Za-z0-9_-]+")


def checked_id(job_id: str | None) -> str | None:
    """rq 3 accepts only letters, digits, "_" and "-" in ids: callers build such ids, nothing rewrites them."""
    if job_id is not None and not _JOB_ID.fullmatch(job_id):
        raise ValueError(f"rq refuses the job id {job_id!r}: use letters, digits, '_' and '-'")
    return job_id


def enqueue(func: Callable, *args: Any, job_id: str | None = None, queue_name: str = DEFAULT, **kwargs: Any) -> None:
    """Run `func(*args, **kwargs)` on the queue `queue_name`: a worker picks it up."""
    path, job_id = dotted(func), checked_id(job_id)
    rq_queue(name=queue_name).enqueue(run_job, args=(path, *args), kwargs=kwargs, job_id=job_id, result_ttl=0)


def schedule_at(when: datetime, func: Callable, *args: Any, job_id: str, queue_name: str = DEFAULT) -> None:
    """Run `func(*args)` at `when` (aware) on the queue `queue_name`, replacing any job scheduled under the
    same id."""
    schedule_many(connection(), [(job_id, when, func, args)], queue_name=queue_name)


def cancel(job_id: str) -> None:
    """Forget a scheduled job: its entry in the schedule and its job hash (rq-scheduler leaves the hash)."""
    cancel_many(connection(), [job_id])


def schedule_many(
    conn: Redis,
    items: Iterable[tuple[str, datetime, Callable, tuple]],
    *,
    queue_name: str = DEFAULT,
    chunk: int = 2000,
) -> int:
    """Write many one-off jobs (id, when, job function, args) for the queue `queue_name` in pipelined round
    trips; returns how many. Ids are checked as `enqueue`'s are, never rewritten."""
    rq_queue(conn, queue_name)  # refuses an unknown name before anything is written
    key = Scheduler.scheduled_jobs_key
    count = 0
    pipe = conn.pipeline(transaction=False)
    for job_id, when, func, args in items:
        path, job_id = dotted(func), checked_id(job_id)
        if when.tzinfo is None:
            raise ValueError("schedule_at needs an aware datetime")
        pipe.delete(Job.key_for(job_id))  # drops a finished job's expiry along with it
        job = Job.create(
            run_job,
            args=(path, *args),
            id=job_id,
            connection=conn,
            result_ttl=0,
            timeout=JOB_TIMEOUT,
            origin=queue_name,
            status=JobStatus.SCHEDULED,
        )
        job.save(pipeline=pipe)
        # Whole seconds, rounded up: rq-scheduler compares integer seconds, so a job never fires early.
        pipe.zadd(key, {job_id: math.ceil(when.astimezone(UTC).timestamp())})
        count += 1
        if count % chunk == 0:
            pipe.execute()
    pipe.execute()
    return count


def cancel_many(conn: Redis, job_ids: Iterable[str], *, chunk: int = 5000) -> None:
    ids = list(job_ids)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        pipe = conn.pipeline(transaction=False)
        pipe.zrem(Scheduler.scheduled_jobs_key, *part)
        pipe.delete(*[Job.key_for(i) for i in part])
        pipe.execute()


def scheduled_ids(conn: Redis, prefix: str) -> set[str]:
    """Ids in the schedule starting with `prefix` (ZSCAN, so a large schedule is walked in steps)."""
    found = set()
    for member, _score in conn.zscan_iter(Scheduler.scheduled_jobs_key, match=f"{prefix}*", count=5000):
        found.add(member.decode() if isinstance(member, bytes) else member)
    return found


def fetch(job_id: str) -> Job | None:
    return _fetch(connection(), job_id)


def _fetch(conn: Redis, job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=conn)
    except NoSuchJobError:
        return None


def register_periodic_jobs(jobs: Iterable[PeriodicJob], conn: Redis | None = None) -> list[str]:
    """Put every periodic job in the schedule once (idempotent: an unchanged entry is left as it is)."""
    conn = conn or connection()
    sched = scheduler(conn)
    registered = []
    for spec in jobs:
        checked_id(spec.id)
        path = dotted(spec.func)
        existing = _fetch(conn, spec.id)
        if (
            existing is not None
            and spec.id in sched
            and existing.func_name == dotted(run_job)
            and existing.args
            and existing.args[0] == path
            and existing.meta.get("interval") == spec.every_seconds
        ):
            registered.append(spec.id)
            continue
        sched.schedule(
            datetime.now(UTC),
            run_job,
            args=[path],
            interval=spec.every_seconds,
            id=spec.id,
            timeout=JOB_TIMEOUT,
            queue_name=DEFAULT,
        )
        registered.append(spec.id)
    return registered
