"""Linking a Telegram chat: the bot hands out a code, the signed-in user enters it here."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from app.auth.current import current_user
from app.common.blueprint import Blueprint
from app.common.ratelimit import client_ip
from app.common.throttle import Bucket, failures_counted
from app.errors import UpstreamError
from app.extensions import db
from app.notify import client, linking, schemas

blp = Blueprint("telegram", __name__, url_prefix="/api/v1/bot", description="Linking a Telegram chat")


def _status(user) -> dict:
    link = user.telegram_link
    return {"linked": link is not None, "telegram_username": link.username if link else None}


def _code_buckets(user_id: int) -> tuple[Bucket, ...]:
    """Wrong codes per user, per client address and for everyone: more accounts or more addresses must not
    mean more guesses at the 10^6 live codes. Slots are taken before the code is looked at (atomic)."""
    cfg = current_app.config
    return (
        Bucket("verify-user", str(user_id), cfg["RATELIMIT_VERIFY"]),
        Bucket("verify-ip", client_ip(), cfg["RATELIMIT_VERIFY_IP"]),
        Bucket("verify-global", "all", cfg["RATELIMIT_VERIFY_GLOBAL"]),
    )


@blp.route("/verify")
class VerifyView(MethodView):
    @jwt_required()
    @blp.arguments(schemas.VerifySchema)
    @blp.response(200, schemas.BotStatusSchema)
    @blp.alt_response(422, description="Wrong or expired code")
    @blp.alt_response(429, description="Too many wrong codes")
    def patch(self, data):
        """Link the Telegram chat that received this code to my account"""
        with failures_counted(*_code_buckets(current_user.id), message="Too many wrong codes, try again later."):
            linking.verify_code(current_user, data["verification_code"])
        db.session.commit()
        return _status(current_user)


@blp.route("/link-token")
class LinkTokenView(MethodView):
    @jwt_required()
    @blp.response(201, schemas.LinkTokenSchema)
    @blp.alt_response(502, description="No bot is configured, or Telegram did not say the bot's username")
    def post(self):
        """A one-tap link to the bot that links the chat opening it to my account (single use, 10 minutes)"""
        username = client.bot_username() if current_app.config["TELEGRAM_BOT_TOKEN"] else None
        if not username:
            raise UpstreamError("The Telegram bot is not available; link with the code from /link instead.")
        token, expires_at = linking.issue_link_token(current_user)
        db.session.commit()
        return {"url": f"https://t.me/{username}?start={token}", "expires_at": expires_at}


@blp.route("/status")
class StatusView(MethodView):
    @jwt_required()
    @blp.response(200, schemas.BotStatusSchema)
    def get(self):
        """Whether my account is linked to a Telegram chat"""
        return _status(current_user)


@blp.route("/link")
class LinkView(MethodView):
    @jwt_required()
    @blp.response(204)
    def delete(self):
        """Unlink my Telegram chat"""
        linking.unlink(current_user)
        db.session.commit()
