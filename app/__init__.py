"""Kalendar: goals, habits and team tasks behind one Flask API."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask

from app import (
    embedded,
    models,  # noqa: F401  (every mapper registered before first use)
)
from app.admin import init_admin
from app.apidocs import init_apidocs
from app.auth import owner_cache
from app.auth.routes import blp as auth_api
from app.auth.tokens import init_jwt
from app.auth.vk_routes import blp as auth_vk_api
from app.calendar.routes import blp as calendar_api
from app.cli import register_cli
from app.common import green_wait
from app.common.after_commit import install_after_commit_hook
from app.common.hooks import install_request_hooks
from app.common.i18n import init_i18n
from app.common.json import OrjsonProvider
from app.common.pool import install_liveness_checks
from app.common.proxies import install_trusted_proxies
from app.common.session import install_autocommit_reads
from app.config import Config, check_service_urls, limiter_storage_uri, settle_public_url
from app.errors import register_error_handlers
from app.extensions import api, cors, db, jwt, limiter, migrate, redis_store, sock
from app.goals.routes import blp as goals_api
from app.habits.routes import blp as habits_api
from app.health.routes import blp as health_api
from app.notify.routes import blp as telegram_api
from app.realtime import init_realtime
from app.teams.routes import blp as teams_api
from app.web.routes import bp as web_client
from app.wiring import connect_signals

log = logging.getLogger(__name__)


def blueprints() -> tuple:
    """The table of contents of the API."""
    return (health_api, auth_api, auth_vk_api, goals_api, habits_api, teams_api, telegram_api, calendar_api)


_ASYNC_CODE = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


class KalendarFlask(Flask):
    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask asks this of every hook, handler and view on every request (16 times for `/auth/me`), and
        `inspect.iscoroutinefunction` costs ~6 Python calls each time: a plain function's code flags answer it
        in one. Anything else (a partial, a callable object, a marked coroutine function) is Flask's to judge."""
        code = getattr(func, "__code__", None)
        if code is not None and not code.co_flags & _ASYNC_CODE and not hasattr(func, "_is_coroutine_marker"):
            return func
        return super().ensure_sync(func)


def create_app(config_class: type[Config] = Config) -> Flask:
    app = KalendarFlask(__name__, instance_relative_config=True)
    app.json = OrjsonProvider(app)
    app.config.from_object(config_class)
    check_service_urls(app.config["SQLALCHEMY_DATABASE_URI"], app.config["REDIS_URL"])
    local = not app.config["SQLALCHEMY_DATABASE_URI"]  # on the embedded database: a run on this machine
    embedded.configure(app.config)  # unset DATABASE_URL / REDIS_URL: the embedded servers, started or attached
    config_class.check(app.config)
    settle_public_url(app.config, local=local)
    app.config["RATELIMIT_STORAGE_URI"] = limiter_storage_uri(app.config["REDIS_URL"])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    with app.app_context():
        install_liveness_checks(db.engine, app.config["DB_PING_AFTER_IDLE"])
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    redis_store.init_app(app)
    jwt.init_app(app)
    limiter.init_app(app)
    if app.config["CORS_ORIGINS"]:  # with none, flask-cors adds no header ever, at ~60 Python calls a response
        cors.init_app(
            app,
            origins=app.config["CORS_ORIGINS"],
            supports_credentials=False,
            expose_headers=["X-Pagination", "Retry-After", "ETag", "Content-Disposition"],
        )
    api.init_app(app)
    sock.init_app(app)

    install_after_commit_hook()
    owner_cache.install()
    install_autocommit_reads()
    green_wait.install()  # in a gevent worker only
    connect_signals()
    init_jwt(app, jwt)
    for blp in blueprints():
        api.register_blueprint(blp)
    init_realtime(app)
    app.register_blueprint(web_client)  # HTML, not API: outside the OpenAPI spec
    register_error_handlers(app)
    install_request_hooks(app)
    register_cli(app)
    init_i18n(app)
    init_admin(app)
    init_apidocs(app)
    install_trusted_proxies(app)
    return app
