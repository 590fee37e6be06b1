"""Start real processes (gunicorn, worker.py, bot.py, fake servers) for end-to-end tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import redis
from flask import Flask

from fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def live_environment(app: Flask, **extra: str) -> dict[str, str]:
    """What a child process needs to share this test run's database and Redis index."""
    cfg = app.config
    env = dict(os.environ)
    env.update(
        {
            "TZ": "UTC",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
            "PUBLIC_URL": "http://127.0.0.1",
            "REDIS_URL": cfg["REDIS_URL"],
            "SECRET_KEY": cfg["SECRET_KEY"],
            "JWT_SECRET_KEY": cfg["JWT_SECRET_KEY"],
            "TELEGRAM_BOT_TOKEN": cfg["TELEGRAM_BOT_TOKEN"],
            "TELEGRAM_API_URL": cfg["TELEGRAM_API_URL"],
            "DEFAULT_TIMEZONE": cfg["DEFAULT_TIMEZONE"],
            "CORS_ORIGINS": ",".join(cfg["CORS_ORIGINS"]),
            "PASSWORD_HASH_TIME_COST": str(cfg["PASSWORD_HASH_TIME_COST"]),
            "PASSWORD_HASH_MEMORY_KIB": str(cfg["PASSWORD_HASH_MEMORY_KIB"]),
        }
    )
    env.update(extra)
    return env


def wait_until(check: Callable[[], bool], timeout: float = 15.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def http_ok(url: str) -> bool:
    """True once `url` answers 200: every worker has imported the app, not just the port is bound."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@contextmanager
def running(
    cmd: list[str],
    env: dict[str, str],
    *,
    ready: Callable[[], bool] | None = None,
    timeout: float = 20.0,
    log_name: str = "process",
) -> Iterator[subprocess.Popen]:
    """Run `cmd` from the project root until the block ends; its output goes to a log shown on failure."""
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"kalendar-{log_name}-{os.getpid()}-{time.monotonic_ns()}.log"
    log = open(log_path, "w+b")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if ready is not None and not wait_until(lambda: proc.poll() is None and ready(), timeout):
            log.seek(0)
            raise RuntimeError(f"{log_name} did not become ready:\n{log.read().decode(errors='replace')[-4000:]}")
        yield proc
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


PYTHON = sys.executable

# The browser tests' Chromium (Debian's, driven by Playwright) and how every one of them starts it.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# worker.py and bot.py against the fake Telegram: poll, schedule, send and back off fast.
FAST_TELEGRAM = {
    "BOT_POLL_TIMEOUT": "1",
    "SCHEDULER_INTERVAL": "0.2",
    "TELEGRAM_SEND_RATE": "100",
    "TELEGRAM_BACKOFF_SECONDS": "0.05",
}


def worker(env: dict[str, str], name: str = "worker") -> AbstractContextManager[subprocess.Popen]:
    """worker.py, ready once its RQ worker has registered (signal handlers installed, start-up sync done)."""
    conn = redis.Redis.from_url(env["REDIS_URL"])
    before = conn.scard("rq:workers")
    return running(
        [PYTHON, "worker.py"], env, log_name=name, timeout=60, ready=lambda: conn.scard("rq:workers") > before
    )


def polls(fake: FakeTelegram) -> int:
    return sum(1 for c in fake.calls() if c["method"] == "getUpdates")


def bot(env: dict[str, str], fake: FakeTelegram, name: str = "bot") -> AbstractContextManager[subprocess.Popen]:
    """bot.py, ready once it polls (counting only its own polls: an earlier bot's must not make it look ready)."""
    before = polls(fake)
    return running([PYTHON, "bot.py"], env, log_name=name, ready=lambda: polls(fake) > before, timeout=90)
