"""Login limits and password hashing under the production server (gunicorn, gevent worker), over HTTP."""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.factories import DEFAULT_PASSWORD
from tests.processes import PYTHON, free_port, http_ok, running


def gunicorn(live_env, **extra):
    port = free_port()
    env = {**live_env, "PORT": str(port), "WEB_CONCURRENCY": "1", "GUNICORN_ACCESS_LOG": "", **extra}
    proc = running(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        env,
        ready=lambda: http_ok(f"http://127.0.0.1:{port}/healthz"),
        timeout=60,
        log_name="web",
    )
    return proc, f"http://127.0.0.1:{port}"


def signup(base: str, username: str) -> None:
    body = {"username": username, "password": DEFAULT_PASSWORD, "password_repeat": DEFAULT_PASSWORD}
    assert requests.post(f"{base}/api/v1/auth/signup", json=body, timeout=10).status_code == 201


@pytest.mark.live
def test_a_parallel_burst_of_wrong_passwords_gets_exactly_the_limit(live_env):
    """40 wrong passwords at once: Flask-Limiter's test-then-count let most of them through; here exactly 5."""
    proc, base = gunicorn(live_env, RATELIMIT_LOGIN="5/15minute")
    with proc:
        signup(base, "alice")
        barrier = threading.Barrier(40)

        def guess(i: int) -> int:
            barrier.wait()
            body = {"username": "alice", "password": f"wrong-{i}"}
            return requests.post(f"{base}/api/v1/auth/login", json=body, timeout=30).status_code

        with ThreadPoolExecutor(40) as pool:
            codes = list(pool.map(guess, range(40)))
        assert codes.count(401) == 5, codes
        assert codes.count(429) == 35, codes


@pytest.mark.live
def test_password_hashing_does_not_stall_the_other_connections_of_the_worker(live_env):
    """Slow Argon2 (about 0.3 s a hash here) in four parallel logins; meanwhile /healthz on the same gevent
    worker keeps answering at once. Run on the event loop, each hash froze every connection for its duration."""
    proc, base = gunicorn(
        live_env,
        PASSWORD_HASH_TIME_COST="6",
        PASSWORD_HASH_MEMORY_KIB=str(64 * 1024),
        RATELIMIT_LOGIN="10000/minute",
        RATELIMIT_LOGIN_USER="10000/minute",
    )
    with proc:
        signup(base, "alice")
        stop = threading.Event()

        def login_loop() -> None:
            while not stop.is_set():
                body = {"username": "alice", "password": "wrong-password"}
                requests.post(f"{base}/api/v1/auth/login", json=body, timeout=30)

        started = time.monotonic()
        requests.post(f"{base}/api/v1/auth/login", json={"username": "alice", "password": "x"}, timeout=30)
        one_hash = time.monotonic() - started
        threads = [threading.Thread(target=login_loop) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            time.sleep(0.3)
            latencies = []
            for _ in range(20):
                t0 = time.monotonic()
                assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
                latencies.append(time.monotonic() - t0)
        finally:
            stop.set()
            for t in threads:
                t.join()
        print(f"one hash {one_hash:.3f}s, /healthz median {statistics.median(latencies):.3f}s")
        assert one_hash > 0.15, f"the hash is too fast to show anything ({one_hash:.3f}s)"
        assert statistics.median(latencies) < one_hash / 3, (one_hash, latencies)


@pytest.mark.live
def test_a_parallel_burst_of_wrong_codes_gets_exactly_the_limit(live_env):
    """30 wrong Telegram codes at once from one account: exactly RATELIMIT_VERIFY (5) are checked."""
    proc, base = gunicorn(live_env, RATELIMIT_VERIFY="5/15minute")
    with proc:
        signup(base, "alice")
        login = {"username": "alice", "password": DEFAULT_PASSWORD}
        token = requests.post(f"{base}/api/v1/auth/login", json=login, timeout=10).json()["access_token"]
        barrier = threading.Barrier(30)

        def guess(i: int) -> int:
            barrier.wait()
            return requests.patch(
                f"{base}/api/v1/bot/verify",
                json={"verification_code": f"{i:06d}"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ).status_code

        with ThreadPoolExecutor(30) as pool:
            codes = list(pool.map(guess, range(30)))
        assert codes.count(422) == 5 and codes.count(429) == 25, codes
