"""A user's private calendar feed: only a hash of its token is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import CreatedAtMixin, UTCDateTime
from app.extensions import db


class CalendarFeed(CreatedAtMixin, db.Model):
    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # ETag of the body last served and when it last changed: a deletion (or a time zone change) leaves no
    # updated_at behind, so Last-Modified also takes the moment a different body was first seen.
    content_etag: Mapped[str | None] = mapped_column(String(64))
    content_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User", lazy="joined")
