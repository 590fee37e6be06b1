"""Column types and mixins shared by every domain's models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from app.common.timeutil import utcnow


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out (timestamptz): a naive datetime is refused, never guessed at."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _insert_time(context) -> datetime:
    """One clock reading per INSERT, so a new row's updated_at equals its created_at."""
    stamp = getattr(context, "_kalendar_insert_time", None)
    if stamp is None:
        stamp = context._kalendar_insert_time = utcnow()
    return stamp


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_insert_time, nullable=False)


class TimestampMixin(CreatedAtMixin):
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_insert_time, onupdate=utcnow, nullable=False)
