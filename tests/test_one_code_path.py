"""One dialect and one Redis: PostgreSQL and Redis are always there (embedded or configured).

The SQLite dialect and the no-Redis mode (inline jobs, in-memory rate limits, "disabled" features) are gone;
these tests keep them gone, and check that a URL naming another kind of server is refused at start-up with
one clear line, not a traceback and not a half-started app.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from app import create_app
from app.config import ConfigError, TestConfig, check_service_urls
from app.extensions import RedisStore
from tests.processes import PYTHON, ROOT, free_port

# What the removed modes left behind: any of these in the code means a second code path came back.
DEAD_MARKERS = {
    "SQLite": re.compile(r"sqlite", re.IGNORECASE),
    "inline jobs": re.compile(r"JOBS_INLINE"),
    "in-memory rate limits": re.compile(r"memory://"),
    "an optional Redis": re.compile(r"redis_store\s*\.\s*enabled|\bREDIS_URL is not set|\bno REDIS_URL\b"),
    "a missing Redis client": re.compile(r"redis_store\.client\s+is\s+None|\bclient\s+is\s+None\b"),
    "features reported disabled": re.compile(r"features_disabled"),
}
CODE = [*sorted((ROOT / "app").rglob("*.py")), *sorted(ROOT.glob("*.py")), *sorted((ROOT / "migrations").rglob("*.py"))]


def _hits(paths: list[Path], root: Path = ROOT) -> list[str]:
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for what, marker in DEAD_MARKERS.items():
                if marker.search(line):
                    found.append(f"{path.relative_to(root)}:{number}: {what}: {line.strip()}")
    return found


def test_no_code_path_of_a_removed_mode_comes_back():
    assert len(CODE) > 50  # the walk found the code (a wrong root would find nothing and pass)
    assert _hits(CODE) == []


def test_the_markers_catch_what_they_are_for(tmp_path):
    """The grep above can fail: each marker finds the line it was written for."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "\n".join(
            [
                'ENGINE = "sqlite:///x.db"',
                'if app.config["JOBS_INLINE"]: pass',
                'STORAGE = "memory://"',
                "if not redis_store.enabled: pass",
                "if client is None: return",
                'checks["features_disabled"] = "jobs"',
            ]
        )
    )
    hits = [hit.split(": ", 2)[1] for hit in _hits([probe], root=tmp_path)]
    assert sorted(hits) == sorted(DEAD_MARKERS)


def test_the_redis_store_has_no_off_switch():
    assert not hasattr(RedisStore, "enabled")


@pytest.mark.parametrize(
    "url",
    ["sqlite:///instance/kalendar.db", "sqlite://", "mysql://u:secret@db/kalendar", "oracle://u:secret@db/x"],
)
def test_create_app_refuses_a_database_that_is_not_postgresql(url):
    class Other(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    with pytest.raises(ConfigError, match="DATABASE_URL must point at PostgreSQL") as refused:
        create_app(Other)
    assert "secret" not in str(refused.value)  # only the scheme is quoted back, never a password


@pytest.mark.parametrize("url", ["memory://", "memcached://127.0.0.1:11211", "http://127.0.0.1:6379"])
def test_create_app_refuses_a_redis_url_that_is_not_redis(url):
    class Other(TestConfig):
        REDIS_URL = url

    with pytest.raises(ConfigError, match="REDIS_URL must point at Redis"):
        create_app(Other)


def test_every_postgresql_and_redis_spelling_is_accepted():
    for database in ("", "postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg2://u@h/db"):
        for redis_url in ("", "redis://h:6379/0", "rediss://h:6380/0", "unix:///run/valkey.sock?db=0"):
            check_service_urls(database, redis_url)


@pytest.mark.parametrize(
    ("command", "code"),
    [
        ([PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"], 4),
        ([PYTHON, "-m", "flask", "--app", "wsgi", "db", "upgrade"], 4),
        ([PYTHON, "worker.py"], 2),
        ([PYTHON, "bot.py"], 5),
        ([PYTHON, "run.py"], 2),
    ],
    ids=["gunicorn", "flask", "worker", "bot", "make-run"],
)
def test_every_entry_point_refuses_sqlite_with_one_clear_line(live_env, tmp_path, command, code):
    env = {
        **live_env,
        "DATABASE_URL": "sqlite:///kalendar.db",
        "KALENDAR_DATA_DIR": str(tmp_path / "data"),
        "PORT": str(free_port()),
        "GUNICORN_CONTROL_SOCKET": str(tmp_path / "gunicorn.ctl"),
    }
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "kalendar: DATABASE_URL must point at PostgreSQL 15 or newer" in done.stderr
    assert "'sqlite'" in done.stderr
    assert not (tmp_path / "data").exists()  # refused before any embedded server was started
    assert not (ROOT / "kalendar.db").exists()
