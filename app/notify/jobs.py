"""Delivery jobs (run by the worker through app.common.queue)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.notify import client
from app.notify.models import TelegramLink
from app.notify.texts import language, t


def send_link_confirmation(chat_id: int, username: str) -> None:
    """Tell the chat it is now linked; nothing if it was unlinked or moved meanwhile."""
    if not current_app.config["TELEGRAM_BOT_TOKEN"]:
        return  # no bot configured (embedded default): nobody to send it
    link = db.session.scalar(select(TelegramLink).where(TelegramLink.chat_id == chat_id))
    if link is None or link.user.username != username:
        return
    client.send_message(chat_id, t(language(link.language_code), "linked", username=username))
