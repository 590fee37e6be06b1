"""Goal planner rules: boards, categories, goals, the overdue sweep (participants and comments have their own
modules, `app.goals.participants` and `app.goals.comments`).

Functions take the acting user, flush (never commit) and raise domain errors; permission checks go
through `app.goals.access`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from app.auth.models import TokenOwner, User
from app.common.hot import loaded
from app.common.timeutil import local_today, utcnow
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.goals import access, queries
from app.goals.models import (
    OPEN_STATUSES,
    OWNER,
    READER,
    ROLE_RANK,
    WRITER,
    Board,
    BoardParticipant,
    Category,
    Goal,
    days_left,
    fold,
)
from app.goals.queries import goal_list_stmt

PERSONAL_BOARD_TITLE = "Personal"


# --- boards ---------------------------------------------------------------------------------------


def create_board(actor: User, data: dict[str, Any]) -> Board:
    board = Board(title=data["title"])
    db.session.add(board)
    db.session.flush()
    db.session.add(BoardParticipant(board_id=board.id, user_id=actor.id, role=OWNER))
    db.session.flush()
    board.my_role = OWNER
    return board


def create_personal_board(_sender: Any, user: User, **_extra: Any) -> None:
    """Listener of `auth.signals.user_created`: every account starts with a board of its own, in the signup
    transaction."""
    create_board(user, {"title": PERSONAL_BOARD_TITLE})


def boards_stmt(actor: User):
    """My live boards, newest first, as (Board, my role) rows."""
    return (
        select(Board, BoardParticipant.role)
        .join(BoardParticipant, (BoardParticipant.board_id == Board.id) & (BoardParticipant.user_id == actor.id))
        .where(Board.is_deleted.is_(False))
        .order_by(Board.created_at.desc(), Board.id.desc())
    )


def with_roles(rows: Iterable[tuple[Board, str]]) -> list[Board]:
    boards = []
    for board, role in rows:
        board.my_role = role
        boards.append(board)
    return boards


def get_board(actor: User, board_id: int) -> Board:
    return access.get_board(actor, board_id, READER)


def update_board(actor: User, board_id: int, data: dict[str, Any]) -> Board:
    board = access.get_board(actor, board_id, OWNER)
    board.title = data["title"]
    db.session.flush()
    return board


def delete_board(actor: User, board_id: int) -> None:
    """Soft delete: the board disappears, its categories are deleted and its goals archived."""
    board = access.get_board(actor, board_id, OWNER)
    now = utcnow()
    board.is_deleted = True
    db.session.execute(
        update(Category)
        .where(Category.board_id == board.id, Category.is_deleted.is_(False))
        .values(is_deleted=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Goal)
        .where(Goal.board_id == board.id, Goal.status != "archived")
        .values(status="archived", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


# --- categories -----------------------------------------------------------------------------------


def categories_stmt(actor: User, board_id: int | None = None):
    stmt = (
        select(Category)
        .where(Category.board_id.in_(access.visible_board_ids(actor)), Category.is_deleted.is_(False))
        .order_by(Category.created_at, Category.id)
    )
    if board_id is not None:
        stmt = stmt.where(Category.board_id == board_id)
    return stmt


def writable_categories(actor: User) -> list[tuple[Category, str]]:
    """Live categories on live boards where `actor` may add goals, oldest first, with their board's title
    (the bot's /create offers these)."""
    writer_roles = [role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[WRITER]]
    rows = db.session.execute(
        select(Category, Board.title)
        .join(Board, Board.id == Category.board_id)
        .join(
            BoardParticipant, (BoardParticipant.board_id == Category.board_id) & (BoardParticipant.user_id == actor.id)
        )
        .where(Category.is_deleted.is_(False), Board.is_deleted.is_(False), BoardParticipant.role.in_(writer_roles))
        .order_by(Category.created_at, Category.id)
    ).all()
    return [(category, board_title) for category, board_title in rows]


def get_category(actor: User, category_id: int) -> Category:
    return access.get_category(actor, category_id, READER)[0]


def create_category(actor: User, data: dict[str, Any]) -> Category:
    board = access.get_board(actor, data["board_id"], WRITER)
    category = Category(title=data["title"], board_id=board.id, author_id=actor.id)
    db.session.add(category)
    db.session.flush()
    return category


def update_category(actor: User, category_id: int, data: dict[str, Any]) -> Category:
    category, _ = access.get_category(actor, category_id, WRITER)
    category.title = data["title"]
    db.session.flush()
    return category


def delete_category(actor: User, category_id: int) -> None:
    """Soft delete; its goals are archived in the same transaction."""
    category, _ = access.get_category(actor, category_id, WRITER)
    category.is_deleted = True
    db.session.execute(
        update(Goal)
        .where(Goal.category_id == category.id, Goal.status != "archived")
        .values(status="archived", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


# --- goals ----------------------------------------------------------------------------------------


def viewer_today(actor: User | TokenOwner, now: datetime | None = None) -> date:
    return local_today(actor.timezone, now)


def set_days_left(goals: Iterable[Goal], actor: User, now: datetime | None = None) -> list[Goal]:
    """Fill `days_left` from the viewer's today (one clock read, no queries)."""
    today = viewer_today(actor, now)
    result = []
    for goal in goals:
        goal.days_left = days_left(goal.due_date, today)
        result.append(goal)
    return result


def goals_stmt(actor: User, filters: dict[str, Any]):
    return goal_list_stmt(actor, filters)


def goals_with_due_dates(actor: User) -> list:
    """Goals with a due date that the goal list shows `actor` by default (every live board I take part in,
    archived ones left out), soonest first, with their category's title and `updated_at`; one statement.
    The calendar feed renders these."""
    stmt = (
        goal_list_stmt(actor, {"ordering": "due_date"})
        .with_only_columns(
            Goal.id,
            Goal.title,
            Goal.description,
            Goal.status,
            Goal.priority,
            Goal.due_date,
            Goal.created_at,
            Goal.updated_at,
            Category.title.label("category"),
            Category.updated_at.label("category_updated_at"),
        )
        .join(Category, Category.id == Goal.category_id)
        .where(Goal.due_date.is_not(None))
    )
    return db.session.execute(stmt).all()


def goal_rows(actor: User | TokenOwner, filters: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
    """One page of the goal list, one dict per goal with its `days_left`."""
    return queries.goal_page(actor, filters, pagination_parameters, viewer_today(actor))


def get_goal(actor: User, goal_id: int, now: datetime | None = None) -> Goal:
    goal, _ = access.get_goal(actor, goal_id, READER)
    return set_days_left([goal], actor, now)[0]


def _target_category(actor: User, category_id: int) -> Category:
    """A category that may receive goals: live, on a board where the actor writes."""
    category, _ = access.get_category(actor, category_id, WRITER, include_deleted=True)
    if category.is_deleted:
        raise ValidationFailed({"category_id": ["This category has been deleted."]})
    return category


def create_goal(actor: User, data: dict[str, Any], now: datetime | None = None) -> Goal:
    stamp = utcnow()
    values = {
        "title": data["title"],
        "title_folded": fold(data["title"]),
        "description": data.get("description", ""),
        "status": data.get("status", "todo"),
        "priority": data.get("priority", "medium"),
        "start_date": data.get("start_date"),
        "due_date": data.get("due_date"),
        "author_id": actor.id,
        "created_at": stamp,
        "updated_at": stamp,
        "category_id": data["category_id"],
    }
    row = queries.INSERT_GOAL.first(**values)
    if row is None:
        _target_category(actor, data["category_id"])  # raises the reason
        row = queries.INSERT_GOAL.first(**values)  # allowed since: the role or the category changed in between
        if row is None:
            raise NotFound("Category not found.")
    goal = loaded(Goal, dict(zip(queries.GOAL_KEYS, row, strict=True)))
    return set_days_left([goal], actor, now)[0]


def update_goal(actor: User, goal_id: int, data: dict[str, Any], now: datetime | None = None) -> Goal:
    goal, _ = access.get_goal(actor, goal_id, WRITER)
    if "category_id" in data and data["category_id"] != goal.category_id:
        category = _target_category(actor, data["category_id"])
        goal.category_id, goal.board_id = category.id, category.board_id
    start = data.get("start_date", goal.start_date)
    due = data.get("due_date", goal.due_date)
    if start is not None and due is not None and start > due:
        raise ValidationFailed({"start_date": ["start_date must not be after due_date."]})
    for key in ("title", "description", "status", "priority", "start_date", "due_date"):
        if key in data:
            setattr(goal, key, data[key])
    if goal.status == "overdue" and "status" not in data and not _is_past_due(due, now):
        goal.status = "todo"  # the due date moved out of the past: no longer overdue
    db.session.flush()
    return set_days_left([goal], actor, now)[0]


def archive_goal(actor: User, goal_id: int) -> None:
    goal, _ = access.get_goal(actor, goal_id, WRITER)
    goal.status = "archived"
    db.session.flush()


def _is_past_due(due: date | None, now: datetime | None) -> bool:
    return due is not None and due < overdue_cutoff(now or utcnow())


# --- the overdue sweep ----------------------------------------------------------------------------


def overdue_cutoff(now: datetime) -> date:
    """A goal is overdue once its due date is over everywhere: at UTC-12, the last zone to leave the day.

    One rule for a board shared across time zones, and nobody sees a goal turn overdue while their
    own calendar still shows the due day (days_left = 0). The price: up to a day later than the
    viewer's local midnight in eastern zones.
    """
    return (now.astimezone(UTC) - timedelta(hours=12)).date()


def mark_overdue_goals(now: datetime) -> list[int]:
    """Mark open goals whose due date has passed as overdue, in one UPDATE ... RETURNING; the ids changed."""
    result = db.session.execute(
        update(Goal)
        .where(Goal.status.in_(OPEN_STATUSES), Goal.due_date < overdue_cutoff(now))
        .values(status="overdue", updated_at=now)
        .returning(Goal.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars().all())
