"""Delivery jobs (run by the worker through app.common.queue)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.notify.delivery import send_to_user
from app.notify.models import TelegramLink
from app.notify.texts import t


def send_link_confirmation(chat_id: int, username: str) -> str | None:
    """Tell the chat it is now linked; nothing if it was unlinked or moved meanwhile."""
    if not current_app.config["TELEGRAM_BOT_TOKEN"]:
        return None  # no bot configured (embedded default): nobody to send it
    link = db.session.scalar(select(TelegramLink).where(TelegramLink.chat_id == chat_id))
    if link is None or link.user.username != username:
        return None
    return send_to_user(
        link.user_id,
        lambda lang: t(lang, "linked", username=username),
        key=f"link-{link.id}",
    )
