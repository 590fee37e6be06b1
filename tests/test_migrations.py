"""Migrations build the same schema as the models, and go back down to nothing."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.processes import PYTHON, ROOT

MIGRATIONS_URL = make_url(TestConfig.SQLALCHEMY_DATABASE_URI).set(
    database=f"{make_url(TestConfig.SQLALCHEMY_DATABASE_URI).database}_migrations"
)


class MigrationConfig(TestConfig):
    SQLALCHEMY_DATABASE_URI = MIGRATIONS_URL.render_as_string(hide_password=False)


@pytest.fixture
def empty_database():
    admin = sa.create_engine(MIGRATIONS_URL.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{MIGRATIONS_URL.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{MIGRATIONS_URL.database}"'))
    yield
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{MIGRATIONS_URL.database}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_matches_models_and_downgrade_returns_to_base(empty_database):
    app = create_app(MigrationConfig)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()


def test_embedded_default_runs_with_no_configuration(tmp_path):
    """A fresh checkout with no environment at all: SQLite under instance/, no Redis, signup and login work."""
    checkout = tmp_path / "kalendar"
    shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(".venv", ".git", "instance", "__pycache__", "*.pyc"))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FLASK_DEBUG": "1"}
    subprocess.run(
        [PYTHON, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    script = """
from app import create_app
app = create_app()
client = app.test_client()
pw = "embedded-default-passphrase"
r = client.post("/api/v1/auth/signup", json={"username": "solo", "password": pw, "password_repeat": pw})
assert r.status_code == 201, r.json
r = client.post("/api/v1/auth/login", json={"username": "solo", "password": pw})
assert r.status_code == 200, r.json
me = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer " + r.json["access_token"]})
assert me.json["username"] == "solo"
ready = client.get("/readyz")
assert ready.json["checks"]["database"] == "ok" and ready.json["checks"]["redis"] == "disabled", ready.json
print(app.config["SQLALCHEMY_DATABASE_URI"])
"""
    result = subprocess.run([PYTHON, "-c", script], cwd=checkout, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().startswith("sqlite:///")
    assert (checkout / "instance" / "kalendar.sqlite3").exists()
    assert "REDIS_URL is not set" in result.stderr
