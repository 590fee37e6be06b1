"""How the bot answers: replies, button answers and message edits, all held until the update has committed.

Replies go through `app.notify.client.send_message` (the shared send rate, 429 `retry_after`, retries). Button
answers and edits go through the bot's own Bot API client; a failure there is logged and never fails the update.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import telebot

from app.auth.models import User
from app.common.after_commit import after_commit
from app.notify import client
from app.notify.texts import t

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096  # Telegram's limit on one message's text
MAX_LIST_ITEMS = 300  # a list longer than this ends with "…more in the app"


def reply(chat_id: int, text: str, reply_markup: dict | None = None) -> None:
    """Queue a reply (split at Telegram's limit); it is sent once the update's transaction has committed."""
    chunks = split_message(text)
    for index, chunk in enumerate(chunks):
        extra = {"reply_markup": reply_markup} if reply_markup and index == len(chunks) - 1 else {}
        after_commit(lambda chunk=chunk, extra=extra: client.send_message(chat_id, chunk, **extra), "bot reply")


def answer_button(bot: telebot.TeleBot, callback_id: str, text: str | None) -> None:
    """Once committed, stop the button's spinner, with `text` as a short notice when given."""

    def answer() -> None:
        try:
            bot.answer_callback_query(callback_id, text=text)
        except Exception as exc:  # noqa: BLE001  (only stops the spinner; never worth failing over)
            log.info("answerCallbackQuery failed (%s)", exc.__class__.__name__)

    after_commit(answer, "answer the button")


def edit_message(bot: telebot.TeleBot, chat_id: int, message_id: int, text: str) -> None:
    """Once committed, replace a message's text in place (its buttons go: the outcome is decided)."""

    def edit() -> None:
        try:
            bot.edit_message_text(text[:MESSAGE_LIMIT], chat_id=chat_id, message_id=message_id)
        except Exception as exc:  # noqa: BLE001  (a message too old to edit keeps its text; the press counted)
            log.info("editMessageText failed (%s)", exc.__class__.__name__)

    after_commit(edit, "edit the message")


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Whole lines per message, each message within `limit` (an over-long line is cut)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def local(user: User, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(user.timezone)).strftime("%Y-%m-%d %H:%M")


def items_text(header: str, lines: list[str], lang: str) -> str:
    if len(lines) > MAX_LIST_ITEMS:
        lines = [*lines[:MAX_LIST_ITEMS], t(lang, "more")]
    return "\n".join([header, *lines])
