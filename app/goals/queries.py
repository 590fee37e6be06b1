"""The goal filters and orderings, shared by the list, the export endpoint and the CLI."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select

from app.auth.models import User
from app.common.schemas import schema_columns
from app.goals.access import visible_board_ids
from app.goals.models import Goal, fold
from app.goals.schemas import DEFAULT_ORDERING, GoalSchema

_ORDER_COLUMNS = {
    "due_date": Goal.due_date,
    "priority": Goal.priority,  # stored as its severity rank, so this sorts low → critical
    "created_at": Goal.created_at,
    "title": Goal.title,
}


def escape_like(value: str, escape: str = "\\") -> str:
    """User input taken literally inside LIKE: %, _ and the escape character lose their meaning."""
    return value.replace(escape, escape * 2).replace("%", escape + "%").replace("_", escape + "_")


def apply_goal_filters(stmt: Select, user: User, filters: dict[str, Any]) -> Select:
    """Restrict `stmt` (selecting from goals) to what `user` may see and to the given filters."""
    stmt = stmt.where(Goal.board_id.in_(visible_board_ids(user)))
    statuses = filters.get("status")
    if statuses:
        stmt = stmt.where(Goal.status.in_(statuses))
    else:
        stmt = stmt.where(Goal.status != "archived")  # archived only when asked for
    if filters.get("category"):
        stmt = stmt.where(Goal.category_id.in_(filters["category"]))
    if filters.get("priority"):
        stmt = stmt.where(Goal.priority.in_(filters["priority"]))
    if filters.get("board") is not None:
        stmt = stmt.where(Goal.board_id == filters["board"])
    if filters.get("year") is not None:
        # A range, not EXTRACT(year), so the due_date index serves it.
        year = filters["year"]
        stmt = stmt.where(Goal.due_date >= date(year, 1, 1), Goal.due_date < date(year + 1, 1, 1))
    if filters.get("due_from") is not None:
        stmt = stmt.where(Goal.due_date >= filters["due_from"])
    if filters.get("due_to") is not None:
        stmt = stmt.where(Goal.due_date <= filters["due_to"])
    search = (filters.get("search") or "").strip()
    if search:
        stmt = stmt.where(Goal.title_folded.like(f"%{escape_like(fold(search))}%", escape="\\"))
    return apply_ordering(stmt, filters.get("ordering") or DEFAULT_ORDERING)


def apply_ordering(stmt: Select, ordering: str) -> Select:
    """Whitelisted orderings with the id as a stable tiebreaker; goals without a due date come last."""
    descending = ordering.startswith("-")
    column = _ORDER_COLUMNS[ordering.lstrip("-")]
    key = column.desc() if descending else column.asc()
    if column is Goal.due_date:
        key = key.nulls_last()
    return stmt.order_by(key, Goal.id.desc() if descending else Goal.id.asc())


def goal_list_stmt(user: User, filters: dict[str, Any]) -> Select:
    return apply_goal_filters(select(Goal), user, filters)


#: What the goal list shows: plain columns, no ORM objects (the list is the hottest endpoint).
LIST_COLUMNS = schema_columns(Goal, GoalSchema, computed=("days_left",))


def goal_rows_stmt(user: User, filters: dict[str, Any]) -> Select:
    return apply_goal_filters(select(*LIST_COLUMNS), user, filters)
