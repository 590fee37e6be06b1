"""Goal planner models: boards shared through participants, their categories, goals and comments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.common.models import CreatedAtMixin, TimestampMixin
from app.extensions import db

READER, WRITER, OWNER = "reader", "writer", "owner"
ROLES = (READER, WRITER, OWNER)  # in rank order: each may do what the ones before it may
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES, start=1)}
STATUSES = ("todo", "in_progress", "done", "overdue", "archived")
OPEN_STATUSES = ("todo", "in_progress")
#: Severity order, lowest first; stored as its rank so that ORDER BY and an index sort by severity.
PRIORITIES = ("low", "medium", "high", "critical")
PRIORITY_RANK = {name: rank for rank, name in enumerate(PRIORITIES, start=1)}
_PRIORITY_NAMES = {rank: name for name, rank in PRIORITY_RANK.items()}

TITLE_MAX = 255
DESCRIPTION_MAX = 5000
COMMENT_MAX = 5000


def days_left(due_date: date | None, today: date) -> int | None:
    """Whole days from `today` (the viewer's, in their time zone) to `due_date`; negative once it is past.
    The API, the bot, the export and the calendar feed all count with this."""
    return None if due_date is None else (due_date - today).days


def fold(text: str) -> str:
    """Case-folded text for searching: done in Python, so it is the same whatever the database's locale."""
    return text.casefold()


class PriorityType(TypeDecorator):
    """`low`..`critical` in Python and SQL expressions, 1..4 in the table."""

    impl = SmallInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value not in PRIORITY_RANK:
            raise ValueError(f"unknown priority {value!r}")
        return PRIORITY_RANK[value]

    def process_result_value(self, value, dialect):
        return None if value is None else PRIORITIES[value - 1]

    def result_processor(self, dialect, coltype):
        """`process_result_value` as one C call a value (a hot list reads thousands): the rank's name, None
        for NULL (and for a rank no priority has, where the tuple lookup would wrap around or raise)."""
        return _PRIORITY_NAMES.get


class Board(TimestampMixin, db.Model):
    __tablename__ = "goal_boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    #: Set by the services for the acting user (not a column).
    my_role = None


class BoardParticipant(CreatedAtMixin, db.Model):
    __tablename__ = "goal_board_participants"
    __table_args__ = (
        UniqueConstraint("board_id", "user_id", name="uq_goal_board_participants_board_user"),
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in reversed(ROLES))})", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("goal_boards.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)

    user = relationship("User", lazy="select")  # lists joinedload it


class Category(TimestampMixin, db.Model):
    __tablename__ = "goal_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    board_id: Mapped[int] = mapped_column(ForeignKey("goal_boards.id", ondelete="CASCADE"), index=True, nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class Goal(TimestampMixin, db.Model):
    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint("status IN ('todo', 'in_progress', 'done', 'overdue', 'archived')", name="status"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority"),
        CheckConstraint("start_date IS NULL OR due_date IS NULL OR start_date <= due_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    # Case-folded copy of the title: case-insensitive search that does not depend on the database locale.
    title_folded: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("goal_categories.id", ondelete="CASCADE"), index=True, nullable=False
    )
    # Denormalised from the category so that visibility is one indexed join away.
    board_id: Mapped[int] = mapped_column(ForeignKey("goal_boards.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="todo", nullable=False)
    priority: Mapped[str] = mapped_column(PriorityType(), default="medium", nullable=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    #: `days_left(due_date, the viewer's today)`; set by the services (not a column).
    days_left = None

    @validates("title")
    def _keep_folded(self, _key: str, value: str) -> str:
        self.title_folded = fold(value)
        return value


# Every list query is `board_id IN (my boards)` plus one filter or ordering: lead with board_id.
Index("ix_goals_board_status", Goal.board_id, Goal.status)
Index("ix_goals_board_due_date", Goal.board_id, Goal.due_date)
Index("ix_goals_board_priority", Goal.board_id, Goal.priority)
Index("ix_goals_board_created_at", Goal.board_id, Goal.created_at)
Index("ix_goals_board_title", Goal.board_id, Goal.title)
# Every list of goals excludes the deleted boards ("no deleted board with this id", app/goals/access.py): a
# partial index of the few deleted ones, instead of a scan of all boards for each page.
Index("ix_goal_boards_deleted", Board.id, postgresql_where=Board.is_deleted)
# The overdue job scans only open goals by due date.
Index(
    "ix_goals_open_due_date",
    Goal.due_date,
    postgresql_where=Goal.status.in_(OPEN_STATUSES),
)
# Substring search (LIKE '%x%') on PostgreSQL: a trigram index.
Index(
    "ix_goals_title_folded_trgm",
    Goal.title_folded,
    postgresql_using="gin",
    postgresql_ops={"title_folded": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")
event.listen(
    Goal.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


class Comment(TimestampMixin, db.Model):
    __tablename__ = "goal_comments"
    __table_args__ = (Index("ix_goal_comments_goal_created", "goal_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    author = relationship("User", lazy="select")  # lists joinedload it

    @property
    def author_username(self) -> str | None:
        return self.author.username if self.author is not None else None
