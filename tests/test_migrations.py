"""Migrations build the same schema as the models, and go back down to nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import URL, make_url

from app import create_app
from app.config import TestConfig
from app.extensions import db

# The oldest PostgreSQL major production supports: the machine's server, when one answers there.
OLDEST_SUPPORTED_URL = os.environ.get("TEST_PG15_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
OLDEST_SUPPORTED_MAJOR = 15


def _migrations_url(server: str) -> URL:
    """A throwaway database on `server`, named per run so parallel runs on one server never meet."""
    if server == "oldest":
        base = make_url(OLDEST_SUPPORTED_URL)
        return base.set(database=f"kalendar_migrations_{os.getpid()}")
    base = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    return base.set(database=f"{base.database}_migrations")


def _server_major(url: URL) -> int | None:
    engine = sa.create_engine(url.set(database="postgres"), connect_args={"connect_timeout": 10})  # a loaded CI machine
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.text("SHOW server_version_num"))) // 10000
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()


@pytest.fixture(params=["suite", "oldest"])
def migrations_url(request) -> Iterator[URL]:
    """An empty database on the suite's server, then on the oldest supported PostgreSQL major."""
    url = _migrations_url(request.param)
    if request.param == "oldest":
        suite = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
        if (suite.host, suite.port) == (url.host, url.port):
            pytest.skip("the suite's own server is the one at 127.0.0.1:5432: covered by the 'suite' case")
        major = _server_major(url)
        if major is None:
            pytest.skip(f"no PostgreSQL answers at {url.host}:{url.port} (set TEST_PG15_URL to cover major 15)")
        if major != OLDEST_SUPPORTED_MAJOR:
            pytest.skip(f"the server at {url.host}:{url.port} is PostgreSQL {major}, not {OLDEST_SUPPORTED_MAJOR}")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_matches_models_and_downgrade_returns_to_base(migrations_url):
    class MigrationConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = migrations_url.render_as_string(hide_password=False)

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
