"""Kalendar: goals, habits and team tasks behind one Flask API."""

from __future__ import annotations

import logging

from flask import Flask

from app import embedded
from app.admin import init_admin
from app.auth.tokens import init_jwt
from app.cli import register_cli
from app.common.hooks import install_request_hooks
from app.common.json import OrjsonProvider
from app.config import Config, limiter_storage_uri
from app.errors import register_error_handlers
from app.extensions import api, cors, db, jwt, limiter, migrate, redis_store, sock
from app.realtime import init_realtime

log = logging.getLogger(__name__)


def blueprints() -> tuple:
    """The table of contents of the API."""
    from app.auth.routes import blp as auth
    from app.auth.vk_routes import blp as auth_vk
    from app.calendar.routes import blp as calendar
    from app.goals.routes import blp as goals
    from app.habits.routes import blp as habits
    from app.health.routes import blp as health
    from app.notify.routes import blp as telegram
    from app.teams.routes import blp as teams

    return (health, auth, auth_vk, goals, habits, teams, telegram, calendar)


def create_app(config_class: type[Config] = Config) -> Flask:
    from app import models  # noqa: F401  (every mapper registered before first use)

    app = Flask(__name__, instance_relative_config=True)
    app.json = OrjsonProvider(app)
    app.config.from_object(config_class)
    embedded.configure(app.config)  # unset DATABASE_URL / REDIS_URL: the embedded servers, started or attached
    config_class.check(app.config)
    app.config["RATELIMIT_STORAGE_URI"] = limiter_storage_uri(app.config["REDIS_URL"]) or "memory://"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    redis_store.init_app(app)
    jwt.init_app(app)
    limiter.init_app(app)
    cors.init_app(
        app,
        origins=app.config["CORS_ORIGINS"],
        supports_credentials=False,
        expose_headers=["X-Pagination", "Retry-After", "ETag", "Content-Disposition"],
    )
    api.init_app(app)
    sock.init_app(app)

    init_jwt(app, jwt)
    for blp in blueprints():
        api.register_blueprint(blp)
    init_realtime(app)
    register_error_handlers(app)
    install_request_hooks(app)
    register_cli(app)
    init_admin(app)
    return app
