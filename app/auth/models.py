"""Users and their login sessions (one session = one access/refresh token family)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.hot import loaded
from app.common.models import UTCDateTime
from app.common.timeutil import utcnow
from app.extensions import db


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), nullable=False)
    email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    first_name: Mapped[str] = mapped_column(String(150), default="", nullable=False)
    last_name: Mapped[str] = mapped_column(String(150), default="", nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    date_joined: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime())

    telegram_link = relationship("TelegramLink", uselist=False, back_populates="user", lazy="select")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"

    @property
    def telegram(self) -> dict:
        link = self.telegram_link
        return {"linked": link is not None, "username": link.username if link else None}


# Usernames are unique whatever their case ("Alice" and "alice" are one account).
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class AuthSession(db.Model):
    """A login: its tokens carry `sid`; revoking the row kills the access and refresh tokens together.

    Kept in PostgreSQL, not Redis, so a revoked token stays revoked when Redis restarts or is down.
    Only the newest refresh token of a session is valid (rotation).
    """

    __tablename__ = "auth_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    refresh_jti: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_agent: Mapped[str] = mapped_column(String(255), default="", nullable=False)

    user: Mapped[User] = relationship(lazy="raise")


class SocialAccount(db.Model):
    """An account at an outside identity provider (VK) that signs in as one of our users.

    One provider account belongs to one user, and a user has at most one account per provider.
    """

    __tablename__ = "social_accounts"
    __table_args__ = (
        UniqueConstraint("provider", "provider_user_id", name="uq_social_accounts_provider_user"),
        UniqueConstraint("user_id", "provider", name="uq_social_accounts_user_provider"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    provider_user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    screen_name: Mapped[str] = mapped_column(String(150), default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="raise")


class TokenOwner:
    """A token's user as the values of its row, and as the Session's `User` once something asks for `user`.

    Why not the instance at once: putting it into the request's Session (the Session's transaction begun, the
    instance made persistent, and both undone at teardown) cost ~70 µs a request, a twentieth of `/auth/me` and
    3% of a hot list's page, which read only the user's id and time zone (bench/RESULTS.md). The columns read
    as attributes (`owner.id`, `owner.timezone`); the password hash is not among them when the owner came from
    the owner cache, and nothing else is: relationships and methods are the `user`'s."""

    __slots__ = ("_user", "_values")

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values
        self._user: User | None = None

    def __getattr__(self, name: str) -> Any:  # only for what the slots do not have: the columns
        if name.startswith("_"):  # an unset slot (a copy being made): never a column
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def user(self) -> User:
        """The user as the Session's instance (made once; a cached entry's password hash loads when read)."""
        if self._user is None:
            self._user = loaded(User, self._values)
        return self._user
