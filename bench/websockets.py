"""Benchmark: REST latency with and without 500 open WebSockets, and event fan-out to 500 members.

Starts one gunicorn instance with the project's gunicorn.conf.py against DATABASE_URL / REDIS_URL,
creates 500 throw-away users (prefix bench-<random>) in one team with one list of 20 tasks, then:
  1. GET /api/v1/tasks (20 per page) p50/p99 with no sockets open;
  2. opens 500 /ws/teams/<id> sockets (one per member) and repeats the REST measurement;
  3. publishes one task event from this process (as the worker or bot would) and measures the time
     until all 500 sockets have it.
Usage: DATABASE_URL=postgresql://... REDIS_URL=redis://... python bench/websockets.py [--sockets 500]
       [--workers 1] [--requests 400] [--concurrency 8]
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
import websocket  # noqa: E402
from gevent.pool import Pool  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.auth.models import AuthSession, User  # noqa: E402
from app.auth.tokens import issue_tokens  # noqa: E402
from app.config import Config  # noqa: E402
from app.events.pubsub import publish_team_event  # noqa: E402
from app.extensions import db  # noqa: E402
from app.teams.models import Task, TaskList, Team, TeamMember  # noqa: E402
from tests.processes import PYTHON, free_port, port_open, running, wait_until  # noqa: E402


def setup_data(n_users: int) -> tuple[int, list[str]]:
    prefix = f"bench-{uuid.uuid4().hex[:6]}"
    team = Team(name=prefix)
    db.session.add(team)
    db.session.flush()
    tokens = []
    for i in range(n_users):
        user = User(username=f"{prefix}-{i}", timezone="UTC")
        db.session.add(user)
        db.session.flush()
        session = AuthSession(id=uuid.uuid4(), user_id=user.id, refresh_jti="")
        db.session.add(session)
        db.session.add(TeamMember(team_id=team.id, user_id=user.id, role="admin" if i == 0 else "member"))
        tokens.append(issue_tokens(user, session.id)[0]["access_token"])
    task_list = TaskList(team_id=team.id, name="bench", created_by=None)
    db.session.add(task_list)
    db.session.flush()
    for i in range(20):
        db.session.add(
            Task(
                list_id=task_list.id,
                team_id=team.id,
                title=f"task {i}",
                description="",
                assignee_id=None,
                created_by=None,
            )
        )
    db.session.commit()
    return team.id, tokens


def measure_rest(base: str, token: str, total: int, concurrency: int) -> dict[str, float]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    timings: list[float] = []

    def one(_):
        start = time.perf_counter()
        response = session.get(f"{base}/api/v1/tasks?page_size=20", timeout=30)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200 and len(response.json()) == 20

    for _ in range(20):  # warm up connections and caches
        one(None)
    timings.clear()
    Pool(concurrency).map(one, range(total))
    timings.sort()
    return {
        "p50_ms": statistics.median(timings) * 1000,
        "p99_ms": timings[int(len(timings) * 0.99) - 1] * 1000,
        "n": len(timings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        team_id, tokens = setup_data(args.sockets)

    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL") or f"http://127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_CONTROL_SOCKET": f"/tmp/kalendar-bench-{port}.ctl",
        "TZ": "UTC",
    }
    base, ws_base = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    with running(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        env,
        ready=lambda: port_open(port),
        log_name="bench-web",
    ):
        idle = measure_rest(base, tokens[0], args.requests, args.concurrency)
        print(f"REST idle:              p50 {idle['p50_ms']:.1f} ms  p99 {idle['p99_ms']:.1f} ms  (n={idle['n']})")

        sockets: list[websocket.WebSocket] = []
        opened = time.perf_counter()

        def open_socket(token: str) -> None:
            ws = websocket.create_connection(
                f"{ws_base}/ws/teams/{team_id}?token={token}", timeout=60, suppress_origin=True
            )
            assert json.loads(ws.recv())["type"] == "ready"
            sockets.append(ws)

        Pool(50).map(open_socket, tokens)
        print(f"opened {len(sockets)} sockets in {time.perf_counter() - opened:.1f} s")

        busy = measure_rest(base, tokens[0], args.requests, args.concurrency)
        print(
            f"REST with {len(sockets)} sockets: p50 {busy['p50_ms']:.1f} ms  p99 {busy['p99_ms']:.1f} ms  "
            f"(ratio p99 {busy['p99_ms'] / idle['p99_ms']:.2f}x idle)"
        )

        arrivals: list[float] = []

        def receive(ws: websocket.WebSocket) -> None:
            event = json.loads(ws.recv())
            assert event["type"] == "task.updated"
            arrivals.append(time.perf_counter())

        readers = [gevent.spawn(receive, ws) for ws in sockets]
        gevent.sleep(0.2)
        with app.app_context():
            sent = time.perf_counter()
            publish_team_event(team_id, {"type": "task.updated", "task": {"id": 0, "title": "bench"}})
        wait_until(lambda: len(arrivals) == len(sockets), timeout=10)
        gevent.joinall(readers, timeout=1)
        print(
            f"one event reached {len(arrivals)}/{len(sockets)} sockets in "
            f"{(max(arrivals) - sent) * 1000:.0f} ms (median {(statistics.median(arrivals) - sent) * 1000:.0f} ms)"
        )
        for ws in sockets:
            ws.close()


if __name__ == "__main__":
    main()
