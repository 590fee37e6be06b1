"""Habits ("I will [action] at [time] in [place]") and the days they were done."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import CreatedAtMixin, UTCDateTime
from app.common.timeutil import utcnow
from app.extensions import db

#: The habit limits (API.md rules 2 and 5), used by the schema, the service's checks and the CHECKs below.
PERIODICITY_DAYS_MIN, PERIODICITY_DAYS_MAX = 1, 7
DURATION_SECONDS_MIN, DURATION_SECONDS_MAX = 1, 120


class Habit(CreatedAtMixin, db.Model):
    __tablename__ = "habits"
    __table_args__ = (
        CheckConstraint(
            f"periodicity_days BETWEEN {PERIODICITY_DAYS_MIN} AND {PERIODICITY_DAYS_MAX}", name="periodicity_days_range"
        ),
        CheckConstraint(
            f"duration_seconds BETWEEN {DURATION_SECONDS_MIN} AND {DURATION_SECONDS_MAX}", name="duration_seconds_range"
        ),
        CheckConstraint("NOT (reward IS NOT NULL AND related_habit_id IS NOT NULL)", name="reward_or_related"),
        CheckConstraint("NOT is_pleasant OR (reward IS NULL AND related_habit_id IS NULL)", name="pleasant_plain"),
        CheckConstraint("related_habit_id IS NULL OR related_habit_id <> id", name="not_self_related"),
        Index("ix_habits_owner_id_id", "owner_id", "id"),
        Index("ix_habits_public_id", "id", postgresql_where="is_public"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    action: Mapped[str] = mapped_column(String(255), nullable=False)
    place: Mapped[str] = mapped_column(String(255), nullable=False)
    time: Mapped[time] = mapped_column(Time, nullable=False)
    periodicity_days: Mapped[int] = mapped_column(SmallInteger, default=1, nullable=False)
    duration_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    is_pleasant: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    related_habit_id: Mapped[int | None] = mapped_column(ForeignKey("habits.id", ondelete="SET NULL"), index=True)
    reward: Mapped[str | None] = mapped_column(String(255))
    is_public: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # The occurrence the one scheduled reminder job is for; null for pleasant habits. The reminder job
    # advances it with a compare-and-set, which is what makes each occurrence send at most once.
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The local calendar day occurrences count from (the creation day in the owner's zone).
    anchor_date: Mapped[date] = mapped_column(Date, nullable=False)
    # Last change the owner made (set by the services, no onupdate: the reminder job's bookkeeping on
    # next_reminder_at is not an edit). The calendar feed derives LAST-MODIFIED and SEQUENCE from it.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    owner = relationship("User", lazy="raise")
    # Not columns: streaks.attach_streaks fills them for a whole page in one query.
    current_streak = 0
    best_streak = 0
    done_today = False
    skipped_today = False
    related_habit: Mapped[Habit | None] = relationship(remote_side=[id], lazy="raise")

    def next_occurrence(self, after: datetime, tz: str | ZoneInfo) -> datetime:
        """First occurrence strictly after `after` (aware UTC), every periodicity_days from anchor_date.

        Wall-clock time in `tz` is what the user means: a non-existent local time (spring forward)
        moves forward by the gap, an ambiguous one (fall back) takes its first instance (fold=0).
        """
        return next_occurrence(self.anchor_date, self.time, self.periodicity_days, after, tz)


def next_occurrence(anchor: date, at: time, every_days: int, after: datetime, tz: str | ZoneInfo) -> datetime:
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local_day = after.astimezone(zone).date()
    offset = (local_day - anchor).days
    day = anchor if offset < 0 else local_day - timedelta(days=offset % every_days)
    while True:
        candidate = _local_to_utc(day, at, zone)
        if candidate > after:
            return candidate
        day += timedelta(days=every_days)


def _local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    naive = datetime.combine(day, at.replace(tzinfo=None))
    local = naive.replace(tzinfo=zone, fold=0)
    # A time inside a spring-forward gap does not round-trip: PEP 495 fold=0 then maps it with the offset
    # from before the gap, which lands one gap-length later in UTC (02:30 New York → 03:30 EDT).
    return local.astimezone(UTC)


class HabitCompletion(CreatedAtMixin, db.Model):
    """One day a habit was done (local date in the owner's time zone); one row per habit and day."""

    __tablename__ = "habit_completions"
    __table_args__ = (UniqueConstraint("habit_id", "date", name="uq_habit_completions_habit_id_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    habit_id: Mapped[int] = mapped_column(ForeignKey("habits.id", ondelete="CASCADE"), nullable=False)
    date: Mapped[date] = mapped_column(Date, nullable=False)


class HabitSkip(CreatedAtMixin, db.Model):
    """A day deliberately left out (local date in the owner's zone): it keeps the streak without counting in it.

    A day is done, skipped or neither: the services refuse a skip on a done day and a completion on a skipped
    one, under a lock on the habit row so that two parallel requests cannot write both.
    """

    __tablename__ = "habit_skips"
    __table_args__ = (UniqueConstraint("habit_id", "date", name="uq_habit_skips_habit_id_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    habit_id: Mapped[int] = mapped_column(ForeignKey("habits.id", ondelete="CASCADE"), nullable=False)
    date: Mapped[date] = mapped_column(Date, nullable=False)


class HabitSnooze(CreatedAtMixin, db.Model):
    """A reminder postponed with ⏰: one per habit and local day, re-sent once at `due_at`.

    The row is the snoozed reminder's exactly-once key, like `habits.next_reminder_at` for the normal ones:
    the job claims it by setting `sent_at` (compare-and-set, committed before sending), and `flask reminders
    sync` rebuilds the jobs of unsent rows after a Redis loss.
    """

    __tablename__ = "habit_snoozes"
    __table_args__ = (UniqueConstraint("habit_id", "date", name="uq_habit_snoozes_habit_id_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    habit_id: Mapped[int] = mapped_column(ForeignKey("habits.id", ondelete="CASCADE"), nullable=False)
    date: Mapped[date] = mapped_column(Date, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
