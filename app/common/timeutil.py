"""Time helpers: everything stored and exchanged in UTC, converted at the edges."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today(tz_name: str, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(tz_name)).date()
