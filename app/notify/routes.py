"""Linking a Telegram chat: the bot hands out a code, the signed-in user enters it here."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt_identity, jwt_required, verify_jwt_in_request
from flask_smorest import Blueprint

from app.errors import UpstreamError
from app.extensions import db, limiter
from app.notify import client, linking, schemas

blp = Blueprint("telegram", __name__, url_prefix="/api/v1/bot", description="Linking a Telegram chat")


def _status(user) -> dict:
    link = user.telegram_link
    return {"linked": link is not None, "telegram_username": link.username if link else None}


def _user_key() -> str:
    # The limiter runs before the view's own token check, so check the token here first (401 wins).
    verify_jwt_in_request()
    return f"user:{get_jwt_identity()}"


@blp.route("/verify")
class VerifyView(MethodView):
    # Wrong codes count per user: 5 per 15 minutes by default, so the 10^6 code space cannot be walked.
    decorators = [
        limiter.limit(
            lambda: current_app.config["RATELIMIT_VERIFY"],
            key_func=_user_key,
            deduct_when=lambda response: response.status_code == 422,
            scope="bot-verify",
        )
    ]

    @jwt_required()
    @blp.arguments(schemas.VerifySchema)
    @blp.response(200, schemas.BotStatusSchema)
    @blp.alt_response(422, description="Wrong or expired code")
    @blp.alt_response(429, description="Too many wrong codes")
    def patch(self, data):
        """Link the Telegram chat that received this code to my account"""
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
