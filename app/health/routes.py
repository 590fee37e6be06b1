"""Liveness and readiness probes."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.bot import liveness
from app.common.blueprint import Blueprint
from app.extensions import db, redis_store

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__, description="Health probes")


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)


class ReadinessSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"enum": ["ready", "not ready"]})
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    bot = ma.fields.String(
        metadata={"description": "The Telegram bot's heartbeat: ok, stale or unknown (reported, never required)"}
    )


@blp.route("/healthz")
class HealthView(MethodView):
    @blp.doc(security=[])
    @blp.response(200, HealthSchema)
    def get(self):
        """The process is alive"""
        return {"status": "ok"}


@blp.route("/readyz")
class ReadyView(MethodView):
    @blp.doc(security=[])
    @blp.response(200, ReadinessSchema)
    @blp.alt_response(503, schema=ReadinessSchema, description="The database or Redis is down (body says which)")
    def get(self):
        """The database and Redis answer (each reported)"""
        checks: dict[str, str] = {}
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("readiness: database down: %s", exc.__class__.__name__)
            checks["database"] = "down"
        checks["redis"] = "ok" if redis_store.ping() else "down"
        ready = checks["database"] == "ok" and checks["redis"] == "ok"
        # The bot's heartbeat is reported, never required: the web's readiness does not depend on the bot.
        body = {"status": "ready" if ready else "not ready", "checks": checks, "bot": liveness.status()[0]}
        return body, 200 if ready else 503
