"""The connection pool: liveness without a round trip per request, one checkout per request, a dead
connection replaced before a request sees it, and psycopg cooperative under the gevent worker."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import requests
import sqlalchemy as sa
from flask.globals import _cv_app

from app.common.pool import install_liveness_checks
from app.extensions import db
from tests.processes import PYTHON, free_port, http_ok, live_environment, running, wait_until


def _idle_backends(app) -> list[int]:
    """Backends of this database other than the asking one, idle in the pool."""
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return list(
                conn.scalars(
                    sa.text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state = 'idle'"
                    )
                )
            )
    finally:
        engine.dispose()


def _terminate(app, pids: list[int]) -> None:
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            for pid in pids:
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

            def gone() -> bool:
                # pg_stat_activity is read once per transaction and then cached: drop the snapshot each poll.
                conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
                query = sa.text("SELECT pid FROM pg_stat_activity WHERE pid = ANY(:p)")
                return not set(pids) & set(conn.scalars(query, {"p": pids}))

            assert wait_until(gone, 10)
    finally:
        engine.dispose()


@pytest.fixture
def per_request_context(user):
    """Requests each in their own app context, as in production: the session is closed after every request
    and its connection goes back to the pool (the harness's app context would keep one session open)."""
    ctx = _cv_app.get()
    ctx.pop()
    try:
        yield
    finally:
        ctx.push()


@pytest.mark.live
@pytest.mark.usefixtures("per_request_context")
def test_a_connection_killed_while_pooled_is_replaced_without_an_error(app, api, user):
    assert api.get("/api/v1/auth/me", user).status_code == 200
    pooled = _idle_backends(app)
    assert pooled, "the request left no connection in the pool"
    _terminate(app, pooled)
    for path in ("/api/v1/auth/me", "/api/v1/goals", "/api/v1/boards"):
        response = api.get(path, user)
        assert response.status_code == 200, (path, response.json)
    assert not set(_idle_backends(app)) & set(pooled)


@pytest.mark.live
@pytest.mark.usefixtures("per_request_context")
def test_a_request_checks_out_one_connection_and_sends_no_ping(app, api, user, monkeypatch):
    checkouts, pings = Counter(), Counter()
    with app.app_context():
        real_ping = db.engine.dialect.do_ping

    def counting_ping(dbapi_connection):
        pings["ping"] += 1
        return real_ping(dbapi_connection)

    with app.app_context():
        engine = db.engine
    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    listener = lambda *_args: checkouts.update(["checkout"])  # noqa: E731
    sa.event.listen(engine, "checkout", listener)
    try:
        for path in ("/api/v1/auth/me", "/api/v1/goals", "/api/v1/habits"):
            checkouts.clear()
            assert api.get(path, user).status_code == 200
            assert checkouts["checkout"] == 1, path
        checkouts.clear()
        assert api.get("/healthz").status_code == 200
        assert checkouts["checkout"] == 0  # nothing asked for the database: no checkout, no ROLLBACK either
    finally:
        sa.event.remove(engine, "checkout", listener)
    assert pings["ping"] == 0


def test_only_a_connection_idle_past_the_threshold_is_pinged_and_a_silent_one_replaced(app, monkeypatch):
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    install_liveness_checks(engine, ping_after_idle=0.3)
    pings: list[str] = []
    answers = {"ok": True}

    def ping(dbapi_connection):
        pings.append("ping")
        if not answers["ok"]:
            raise engine.dialect.loaded_dbapi.OperationalError("no answer")  # a connection dropped on the way
        return True

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    backend = sa.text("SELECT pg_backend_pid()")
    try:
        with engine.connect() as conn:
            first = conn.scalar(backend)
        with engine.connect() as conn:  # just returned: neither pinged nor replaced
            assert conn.scalar(backend) == first
        assert pings == []
        time.sleep(0.4)
        with engine.connect() as conn:  # idle past the threshold: pinged, answered, kept
            assert conn.scalar(backend) == first
        assert pings == ["ping"]
        time.sleep(0.4)
        answers["ok"] = False
        with engine.connect() as conn:  # pinged, silent: replaced by a new connection before use
            assert conn.scalar(backend) != first
        assert pings == ["ping", "ping"]
    finally:
        engine.dispose()


SLOW_APP = """
from sqlalchemy import text
from app import create_app
from app.extensions import db

app = create_app()

@app.get("/_slow")
def slow():
    db.session.execute(text("SELECT pg_sleep(1)"))
    return {"slept": True}
"""


@pytest.mark.live
def test_queries_do_not_block_the_gevent_worker(app, tmp_path):
    """One gevent worker, four requests each waiting 1 s in PostgreSQL: together in about 1 s, not 4."""
    (tmp_path / "slow_app.py").write_text(SLOW_APP)
    port = free_port()
    env = live_environment(
        app,
        PORT=str(port),
        WEB_CONCURRENCY="1",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_CONTROL_SOCKET=f"/tmp/kalendar-pool-{port}.ctl",
    )
    env["PYTHONPATH"] = f"{tmp_path}:{env.get('PYTHONPATH', '')}".rstrip(":")
    base = f"http://127.0.0.1:{port}"
    with running(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "slow_app:app"],
        env,
        ready=lambda: http_ok(f"{base}/healthz"),
        timeout=60,
        log_name="web-pool",
    ):
        assert requests.get(f"{base}/_slow", timeout=10).status_code == 200  # warm: pool, imports
        codes: list[int] = []
        threads = [
            threading.Thread(target=lambda: codes.append(requests.get(f"{base}/_slow", timeout=20).status_code))
            for _ in range(4)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    assert codes == [200] * 4
    assert elapsed < 3.0, f"four 1 s queries took {elapsed:.1f} s in one gevent worker: the driver blocks it"
