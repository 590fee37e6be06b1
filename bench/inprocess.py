"""The app's own cost per request, without gunicorn, wrk or the other work on the machine.

    DATABASE_URL=... REDIS_URL=... python -m bench.inprocess [me goals ...] [-n 2000] [--profile goals]

Needs the data and tokens of a previous `make bench`. Runs N requests per endpoint through the Flask test
client in this process and prints the process CPU time, the Python function calls and the SQL statements
per request; `--profile NAME` adds cProfile's top functions (cumulative) for one endpoint. CPU time of one
process is steadier than req/s on a shared machine, and the call count (deterministic) steadier still: they
are the figures for before/after comparisons of a change.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from pathlib import Path

from bench.run import ENV, RUN  # noqa: F401  (sets DATABASE_URL, REDIS_URL and the secrets)


def requests_for(users: list[list[str]]):
    """name -> (method, path, body) factory, the same requests as the wrk scripts."""
    statuses = ("todo", "in_progress", "done", "overdue")
    orderings = ("due_date", "-due_date", "priority", "-created_at", "title")

    def goals(u, n):
        status, ordering = statuses[n % 4], orderings[n % 5]
        return "GET", f"/api/v1/goals?page_size=20&status={status}&ordering={ordering}&page={1 + n % 3}", None

    def create(u, n):
        body = {"title": f"Bench goal {n}", "category_id": int(u[2]), "priority": "high", "due_date": "2027-03-01"}
        return "POST", "/api/v1/goals", body

    return {
        "healthz": lambda u, n: ("GET", "/healthz", None),
        "me": lambda u, n: ("GET", "/api/v1/auth/me", None),
        "goals": goals,
        "habits": lambda u, n: ("GET", "/api/v1/habits?page_size=5", None),
        "tasks": lambda u, n: ("GET", f"/api/v1/lists/{u[4]}/tasks?page_size=20&page={1 + n % 2}", None),
        "create": create,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*")
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--profile")
    args = parser.parse_args()
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    users = [line.split() for line in (RUN / "tokens.txt").read_text().splitlines() if line.strip()]
    makers = requests_for(users)
    names = args.names or list(makers)
    app = create_app()
    client = app.test_client()
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    rng = random.Random(1)
    for name in names:
        make = makers[name]

        def run(count: int, make=make) -> int:
            failures = 0
            for n in range(count):
                user = rng.choice(users)
                method, path, body = make(user, n)
                resp = client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {user[0]}"})
                failures += resp.status_code >= 400
            return failures

        run(50)  # warm caches and the pool
        statements.clear()
        profiler = cProfile.Profile(time.process_time) if args.profile == name else None
        started = time.process_time()
        if profiler:
            profiler.enable()
        failures = run(args.n)
        if profiler:
            profiler.disable()
        cpu = (time.process_time() - started) * 1000 / args.n
        per_request = len(statements) / args.n
        counter = cProfile.Profile()  # Python function calls per request: the same on a busy machine and a quiet one
        counter.enable()
        run(200)
        counter.disable()
        calls = pstats.Stats(counter).total_calls / 200
        print(
            f"{name:8} {cpu:6.3f} ms CPU/req  {calls:7.0f} calls/req  {per_request:4.1f} statements/req  "
            f"failures {failures}",
            flush=True,
        )
        if profiler:
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(45)
            out = Path(RUN / f"{name}.pstats")
            stats.dump_stats(out)


if __name__ == "__main__":
    main()
