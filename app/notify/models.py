"""A Telegram chat linked to an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import CreatedAtMixin, UTCDateTime
from app.extensions import db


class TelegramLink(CreatedAtMixin, db.Model):
    __tablename__ = "telegram_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True, nullable=False)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    # Set when Telegram answers 403 (the user blocked the bot); sends stop until they write again.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User", back_populates="telegram_link")


class VerificationCode(CreatedAtMixin, db.Model):
    """A one-time code the bot gave to a chat; entering it in the app links that chat to the account.

    Only an HMAC of the code is stored. One live code per chat: a new code replaces the old one.
    """

    __tablename__ = "telegram_verification_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True, nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class LinkToken(CreatedAtMixin, db.Model):
    """A one-tap link token (`t.me/<bot>?start=<token>`) the app gave to a signed-in user.

    Only an HMAC of the token is stored; one live token per user (a new one replaces it); single use.
    """

    __tablename__ = "telegram_link_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
