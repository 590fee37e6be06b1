"""Extensions, created unbound: `create_app` binds them, nothing connects at import time."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

import redis
from apispec import BasePlugin
from flask import Flask
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter._compat import request_context  # what Limiter.context keys its state on
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.common.redis_direct import DirectConnections
from app.common.schemas import ErrorSchema
from app.common.verified_tokens import VerifyingOnceJWTManager
from app.errors import envelope_for_http_exception

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class KalendarApi(Api):
    """flask-smorest's Api with one error envelope that keeps message and HTTP headers (Allow, Retry-After).

    The envelope (`ErrorSchema`) is the documented body of every error response in the spec, the ones
    flask-smorest adds (422, default) and each route's `alt_response`s alike.
    """

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        return envelope_for_http_exception(error)

    def _register_pagination_header(self):
        # X-Pagination carries JSON, not a "simple"-style header: describe it as JSON content so clients
        # (and contract tests) parse it as such.
        from flask_smorest.pagination import PaginationMetadataSchema

        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata (JSON)",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )

    def _init_spec(self, *, extra_plugins=None, **kwargs):
        plugins = [*(extra_plugins or ()), _OptionalPatchBodyPlugin(), _ErrorEnvelopePlugin()]
        super()._init_spec(extra_plugins=plugins, **kwargs)


class _OptionalPatchBodyPlugin(BasePlugin):
    """Every PATCH field is optional, so an empty PATCH is a valid no-op: document its body as optional."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        body = (operations or {}).get("patch", {}).get("requestBody")
        if body:
            body["required"] = False


class _ErrorEnvelopePlugin(BasePlugin):
    """An error response documented by its description alone (`alt_response(409, description=...)`) gets the
    envelope as its body, so every 4xx/5xx of every operation says what it carries."""

    ENVELOPE = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            for code, response in (operation.get("responses") or {}).items():
                if not isinstance(response, dict) or str(code)[0] not in "45":
                    continue  # a string names a response component, which carries its own body
                if "$ref" not in response and "content" not in response:
                    response["content"] = dict(self.ENVELOPE)


class RedisStore:
    """One Redis client per process. create_app has filled REDIS_URL (configured or the embedded Valkey)."""

    def __init__(self) -> None:
        self._url = ""
        self._client: redis.Redis | None = None
        self._direct: DirectConnections | None = None

    def init_app(self, app: Flask) -> None:
        self._url = app.config["REDIS_URL"]
        self._client = None
        app.extensions["redis_store"] = self

    @property
    def client(self) -> redis.Redis:
        if self._client is None:
            if not self._url:
                raise RuntimeError("the Redis client is used before create_app bound it")
            self._client = redis.Redis.from_url(
                self._url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30
            )
        return self._client

    @property
    def direct(self) -> DirectConnections:
        """The client's settings for one command straight on a socket (app/common/redis_direct.py)."""
        client = self.client
        if self._direct is None or self._direct.client is not client:
            self._direct = DirectConnections(client)
        return self._direct

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True)
api = KalendarApi()
jwt = VerifyingOnceJWTManager()
cors = CORS()
sock = Sock()
redis_store = RedisStore()


class RouteLimiter(Limiter):
    """flask-limiter with the limits on their routes only, so the pass it makes before every request is skipped.

    Every limit here is a decorator on its route (signup, VK sign-in, the calendar feed), and the decorator checks
    it when the route runs. flask-limiter's before_request hook only adds default, application, blueprint and
    meta limits, and we configure none: for all other requests it resolved nothing, at ~5% of an authenticated
    request's CPU. Should any such limit be configured, the hook runs as before.
    """

    def init_app(self, app: Flask) -> None:
        """... and its after-request and teardown hooks run only for a request that checked a limit: they work on
        the request's limiter context, which only a check creates (~60 Python calls a response otherwise)."""
        super().init_app(app)
        for registry in (app.after_request_funcs, app.teardown_request_funcs):
            hooks = registry.get(None, [])
            for index, hook in enumerate(hooks):
                bound = hook.args[0] if isinstance(hook, partial) and hook.args else getattr(hook, "__self__", None)
                if bound is self:
                    hooks[index] = _when_a_limit_was_checked(hook)

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and not self._has_request_wide_limits():
            return
        super()._check_request_limit(callable_name, in_middleware)

    def _has_request_wide_limits(self) -> bool:
        manager = self.limit_manager
        return bool(
            manager.default_limits
            or manager.application_limits
            or manager._blueprint_limits
            or self._meta_limits
            or self._in_memory_fallback
        )


def _when_a_limit_was_checked(hook: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @wraps(hook)
    def guarded(value: Any) -> Any:
        if hasattr(request_context(), "_limiter_request_context"):  # flask-limiter's Limiter.context
            return hook(value)
        return value

    return guarded


limiter = RouteLimiter(key_func=get_remote_address, strategy="moving-window")
