"""Teams, their members, task lists, tasks and the notification ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import CreatedAtMixin, TimestampMixin, UTCDateTime
from app.common.timeutil import utcnow
from app.extensions import db

ADMIN, MEMBER = "admin", "member"
ROLES = (ADMIN, MEMBER)


class Team(CreatedAtMixin, db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    description: Mapped[str] = mapped_column(String(2000), default="", nullable=False)


class TeamMember(db.Model):
    """Membership is the only way to see a team: every visibility check joins through this table."""

    __tablename__ = "team_members"
    __table_args__ = (CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),)

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class TaskList(CreatedAtMixin, db.Model):
    __tablename__ = "task_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Task(TimestampMixin, db.Model):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("(is_done AND done_at IS NOT NULL) OR (NOT is_done AND done_at IS NULL)", name="done_at"),
        # The every-minute overdue scan reads only open, not yet flagged tasks with a deadline.
        Index("ix_tasks_overdue_scan", "deadline", postgresql_where=text("NOT is_done AND NOT is_overdue")),
        Index("ix_tasks_team_id_id", "team_id", "id"),
        Index("ix_tasks_assignee_id_id", "assignee_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("task_lists.id", ondelete="CASCADE"), index=True, nullable=False)
    # Denormalised from the list (a list never changes team): filters and visibility without a join.
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When the current assignee got the task: part of the "assigned" notification's dedupe key.
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_done: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_overdue: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Notification(CreatedAtMixin, db.Model):
    """One row per person per event: the unique dedupe_key makes every notification job send at most once."""

    __tablename__ = "task_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), default="", nullable=False)  # toast / telegram / none
