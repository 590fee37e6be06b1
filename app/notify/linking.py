"""Linking a Telegram chat to an account: a one-time code (the bot gives it, the app takes it), or a one-tap
deep link (the app gives `t.me/<bot>?start=<token>`, the bot takes it)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, or_, select

from app.auth.models import User
from app.common import queue
from app.common.after_commit import after_commit
from app.common.timeutil import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.notify.jobs import send_link_confirmation
from app.notify.models import LinkToken, TelegramLink, VerificationCode
from app.notify.texts import chat_language

CODE_MINUTES = 10  # how long a code lives (ASVS: at most 10 minutes); the bot's text says it from here
CODE_TTL = timedelta(minutes=CODE_MINUTES)
WRONG_CODE = "The code is wrong or has expired. Ask the bot for a new one with /link."


@dataclass(frozen=True)
class ChatInfo:
    chat_id: int
    telegram_user_id: int | None = None
    username: str | None = None
    language_code: str | None = None


def telegram_status(_sender: object, user_id: Any, **_extra: object) -> tuple[str, Any, Callable[[Any], dict]]:
    """Listener of `auth.signals.profile_shown`: whether a chat is linked, and its @username (NULL → not linked,
    '' → linked without a username)."""
    username = select(func.coalesce(TelegramLink.username, "")).where(TelegramLink.user_id == user_id)
    return "telegram", username.scalar_subquery(), lambda name: {"linked": name is not None, "username": name or None}


def _hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def issue_code(chat: ChatInfo, now: datetime | None = None) -> str:
    """A fresh 6-digit code for the chat (CSPRNG); any earlier code of the chat stops working."""
    now = now or utcnow()
    db.session.execute(
        delete(VerificationCode).where(or_(VerificationCode.chat_id == chat.chat_id, VerificationCode.expires_at < now))
    )
    taken = set(db.session.scalars(select(VerificationCode.code_hash)))
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        if _hash(code) not in taken:  # live codes must be unique to identify their chat
            break
    db.session.add(
        VerificationCode(
            chat_id=chat.chat_id,
            code_hash=_hash(code),
            telegram_user_id=chat.telegram_user_id,
            username=chat.username,
            language_code=chat.language_code,
            expires_at=now + CODE_TTL,
        )
    )
    db.session.flush()
    return code


def verify_code(user: User, code: str, now: datetime | None = None) -> TelegramLink:
    """Link the chat that was given `code` to `user`; the code is spent. Once committed, the chat is told.

    A chat belongs to one account and an account to one chat: linking moves the chat away from a previous
    account and replaces the user's previous chat (re-linking is allowed, never a conflict).
    """
    now = now or utcnow()
    code = (code or "").strip()
    entry = None
    if len(code) == 6 and code.isdigit():
        entry = db.session.scalar(
            select(VerificationCode)
            .where(VerificationCode.code_hash == _hash(code), VerificationCode.expires_at > now)
            .with_for_update()
        )
    if entry is None:
        raise ValidationFailed({"verification_code": [WRONG_CODE]})
    db.session.execute(
        delete(TelegramLink).where(or_(TelegramLink.chat_id == entry.chat_id, TelegramLink.user_id == user.id))
    )
    link = TelegramLink(
        user_id=user.id,
        chat_id=entry.chat_id,
        telegram_user_id=entry.telegram_user_id,
        username=entry.username,
        language_code=entry.language_code,
    )
    db.session.add(link)
    db.session.delete(entry)
    db.session.flush()
    db.session.expire(user, ["telegram_link"])
    chat_id, username = link.chat_id, user.username
    after_commit(
        lambda: queue.enqueue(send_link_confirmation, chat_id, username, queue_name=queue.NOTIFICATIONS),
        f"confirm the link of chat {chat_id}",
    )
    return link


LINK_TOKEN_TTL = timedelta(minutes=10)
_TOKEN_BYTES = 32  # 256 random bits; token_urlsafe gives 43 characters, within /start's 64 of [A-Za-z0-9_-]


def issue_link_token(user: User, now: datetime | None = None) -> tuple[str, datetime]:
    """A fresh deep-link token for `user` (any earlier one of theirs stops working) and when it expires."""
    now = now or utcnow()
    db.session.execute(delete(LinkToken).where(or_(LinkToken.user_id == user.id, LinkToken.expires_at < now)))
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    expires_at = now + LINK_TOKEN_TTL
    db.session.add(LinkToken(user_id=user.id, token_hash=_hash(token), expires_at=expires_at))
    db.session.flush()
    return token, expires_at


def redeem_link_token(token: str, chat: ChatInfo, now: datetime | None = None) -> tuple[str, User | None]:
    """`/start <token>` in `chat`: ("linked", user), ("already", user) when the chat is that user's already,
    ("elsewhere", the chat's current user) — nothing changes, the token stays usable — or ("bad", None) for
    a wrong, expired or spent token. Linking spends the token and replaces the user's previous chat."""
    now = now or utcnow()
    entry = db.session.scalar(
        select(LinkToken).where(LinkToken.token_hash == _hash(token), LinkToken.expires_at > now).with_for_update()
    )
    if entry is None:
        return "bad", None
    user = db.session.get(User, entry.user_id)
    current = link_for_chat(chat.chat_id)
    if current is not None and current.user_id != entry.user_id:
        return "elsewhere", current.user
    db.session.delete(entry)
    if current is not None:
        return "already", user
    db.session.execute(delete(TelegramLink).where(TelegramLink.user_id == user.id))
    db.session.add(
        TelegramLink(
            user_id=user.id,
            chat_id=chat.chat_id,
            telegram_user_id=chat.telegram_user_id,
            username=chat.username,
            language_code=chat.language_code,
        )
    )
    db.session.flush()
    db.session.expire(user, ["telegram_link"])
    return "linked", user


def unlink(user: User) -> bool:
    removed = db.session.execute(delete(TelegramLink).where(TelegramLink.user_id == user.id)).rowcount
    db.session.expire(user, ["telegram_link"])
    return bool(removed)


def language_of(user_id: int) -> str:
    """The language to address a person in: their chat's, or the chats' default when they have none."""
    code = db.session.scalar(select(TelegramLink.language_code).where(TelegramLink.user_id == user_id))
    return chat_language(code)


def link_for_chat(chat_id: int) -> TelegramLink | None:
    return db.session.scalar(select(TelegramLink).where(TelegramLink.chat_id == chat_id))
