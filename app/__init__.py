"""Kalendar: goals, habits and team tasks behind one Flask API."""

from __future__ import annotations

import logging

from flask import Flask

from app.admin import init_admin
from app.config import Config
from app.errors import register_error_handlers
from app.extensions import api, cors, db, jwt, limiter, migrate, redis_store, sock

log = logging.getLogger(__name__)


def blueprints() -> tuple:
    """The table of contents of the API."""
    from app.auth.routes import blp as auth
    from app.auth.vk_routes import blp as auth_vk
    from app.calendar.routes import blp as calendar
    from app.common.health import blp as health
    from app.goals.routes import blp as goals
    from app.habits.routes import blp as habits
    from app.teams.routes import blp as teams
    from app.telegram.routes import blp as telegram

    return (health, auth, auth_vk, goals, habits, teams, telegram, calendar)


def create_app(config_class: type[Config] = Config) -> Flask:
    from app import models  # noqa: F401  (every mapper registered before first use)

    app = Flask(__name__, instance_relative_config=True)
    from app.common.json import OrjsonProvider

    app.json = OrjsonProvider(app)
    app.config.from_object(config_class)
    config_class.check(app.config)
    app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    redis_store.init_app(app)
    jwt.init_app(app)
    limiter.init_app(app)
    cors.init_app(app, origins=app.config["CORS_ORIGINS"], supports_credentials=False,
                  expose_headers=["X-Pagination", "Retry-After", "ETag", "Content-Disposition"])
    api.init_app(app)
    sock.init_app(app)

    from app.auth.tokens import init_jwt

    init_jwt(app, jwt)
    for blp in blueprints():
        api.register_blueprint(blp)
    from app.realtime import init_realtime

    init_realtime(app)
    register_error_handlers(app)
    _install_security_headers(app)
    _install_nul_guard(app)
    _install_safe_session_teardown(app)

    from app.cli import register_cli

    register_cli(app)
    init_admin(app)
    return app


def _install_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response


def _install_nul_guard(app: Flask) -> None:
    """PostgreSQL text cannot hold NUL: refuse it in the query string and path up front (422), never a 500."""
    from flask import request

    from app.errors import error_response

    @app.before_request
    def refuse_nul():
        bad = sorted({key for key, value in request.args.items(multi=True) if "\x00" in key or "\x00" in value})
        bad_path = sorted(k for k, v in (request.view_args or {}).items() if isinstance(v, str) and "\x00" in v)
        if bad or bad_path:
            message = ["Must not contain NUL characters."]
            errors = {"query": {key.replace("\x00", ""): message for key in bad}} if bad else {}
            if bad_path:
                errors["path"] = {key: message for key in bad_path}
            return error_response(422, "Validation failed.", errors)
        return None


def _install_safe_session_teardown(app: Flask) -> None:
    """Close the request's session without letting a dead database turn a finished response into a bare 500.

    When PostgreSQL restarts, the rollback on session close can fail on a severed connection; raised from
    teardown, that error escapes Flask and gunicorn answers an empty 500. Runs before Flask-SQLAlchemy's own
    teardown (Flask runs teardowns last-registered first), which then finds nothing left to close.
    """
    from sqlalchemy.exc import SQLAlchemyError

    @app.teardown_appcontext
    def remove_session(_exc):
        try:
            db.session.remove()
        except SQLAlchemyError as error:  # the connection is invalidated by SQLAlchemy; the pool replaces it
            log.warning("session close failed: %s", error.__class__.__name__)
            db.session.registry.clear()
