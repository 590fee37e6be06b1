"""Background worker: one process running the RQ worker and the rq-scheduler loop.

* The RQ worker (app.common.queue.JobWorker, a SimpleWorker: jobs run in this process, so the app and its
  database pool are built once) runs in the main thread, where RQ installs its signal handlers:
  SIGTERM/SIGINT finish the current job, then stop (a second signal stops at once). It takes jobs from the
  queues `deliveries` (Telegram messages whose reserved slot has come), `reminders`, `notifications` and
  `default`, in that order; no job waits in place for Telegram's limits (app.notify.delivery re-schedules
  it), so one queue never holds the others up for long.
* The scheduler loop runs in a daemon thread: every SCHEDULER_INTERVAL seconds it takes rq-scheduler's
  lock and moves due jobs to the queue. Several worker processes may run; the lock makes their loops
  take turns, and the jobs themselves are idempotent (see app.habits.jobs).
* At start-up every reminder job is rebuilt from PostgreSQL (the code behind `flask reminders sync`) and
  the periodic jobs of app.wiring.PERIODIC_JOBS are registered.
* Runs with TZ=UTC (rq-scheduler reads cron strings in local time).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time

os.environ["TZ"] = "UTC"
time.tzset()

from app import create_app  # noqa: E402  (after TZ is fixed)
from app.common import queue  # noqa: E402  (after TZ is fixed)
from app.config import refuse_to_start  # noqa: E402
from app.habits.reminders import sync_reminders  # noqa: E402
from app.wiring import PERIODIC_JOBS  # noqa: E402

log = logging.getLogger("worker")


def scheduler_loop(app, stop: threading.Event) -> None:
    interval = float(app.config["SCHEDULER_INTERVAL"])
    with app.app_context():
        scheduler = queue.scheduler(interval=max(interval, 1))
        while not stop.is_set():
            try:
                if scheduler.acquire_lock():
                    try:
                        scheduler.enqueue_jobs()
                    finally:
                        scheduler.remove_lock()
            except Exception:
                log.exception("scheduler pass failed")
            stop.wait(interval)


def main() -> int:
    with refuse_to_start(exit_code=2):
        app = create_app()
    gc.freeze()  # the app lives as long as the process: no collector passes over it, and a quick exit on SIGTERM
    queue.bind_app(app)
    with app.app_context():
        log.info("rebuilt %d reminder jobs", sync_reminders())
        log.info("periodic jobs: %s", ", ".join(queue.register_periodic_jobs(PERIODIC_JOBS)) or "none")
        conn = queue.connection()
        stop = threading.Event()
        thread = threading.Thread(target=scheduler_loop, args=(app, stop), name="scheduler", daemon=True)
        thread.start()
        worker = queue.JobWorker(queue.rq_queues(conn), connection=conn)
        try:
            worker.work(logging_level="INFO")
        finally:
            stop.set()
            thread.join(timeout=5)
    log.info("worker stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
