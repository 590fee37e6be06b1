"""The goal filters and orderings, shared by the list, the export endpoint and the CLI; the statements of the
hot goal endpoints, built once."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ARRAY, Date, Select, any_, bindparam, insert, or_, select

from app.auth.models import TokenOwner, User
from app.common.hot import HotStatement
from app.common.pagination import HotPage
from app.common.schemas import schema_columns
from app.goals.access import visible_board_ids
from app.goals.models import ROLE_RANK, WRITER, Board, BoardParticipant, Category, Goal, fold
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


def filter_shape(filters: dict[str, Any]) -> tuple:
    """Which filters are present, and the ordering: the statement depends on this only, never on the values."""
    return (
        _how_many(filters.get("status")),
        _how_many(filters.get("category")),
        _how_many(filters.get("priority")),
        filters.get("board") is not None,
        filters.get("year") is not None,
        filters.get("due_from") is not None,
        filters.get("due_to") is not None,
        bool((filters.get("search") or "").strip()),
        filters.get("ordering") or DEFAULT_ORDERING,
    )


def _how_many(values: Any) -> int:
    """0, 1 or 2 for none, one or several values of a list filter: one value is an equality, several `= ANY`.

    PostgreSQL's estimate for `= ANY($1)` of an array it cannot see is far above one value's, so it re-plans a
    prepared statement on every run instead of keeping its generic plan (0.2-0.3 ms of planning a page, more
    than running it); with `= $1` it keeps the generic plan after five runs, which here is also the faster
    one (bench data: 0.9 → 0.38 ms a page under load, the user who sees every board 73 → 45 ms)."""
    return min(len(values), 2) if values else 0


def goal_filter_params(user: User | TokenOwner, filters: dict[str, Any]) -> dict[str, Any]:
    """The values of the bind parameters that `filter_goals` puts into the statement of these filters' shape."""
    params: dict[str, Any] = {"viewer_id": user.id}
    for name in ("status", "category", "priority"):
        values = filters.get(name)
        if values:
            params[name] = values[0] if len(values) == 1 else list(values)
    if filters.get("board") is not None:
        params["board"] = filters["board"]
    if filters.get("year") is not None:
        params["year_start"], params["year_end"] = date(filters["year"], 1, 1), date(filters["year"] + 1, 1, 1)
    for name in ("due_from", "due_to"):
        if filters.get(name) is not None:
            params[name] = filters[name]
    search = (filters.get("search") or "").strip()
    if search:
        params["search"] = f"%{escape_like(fold(search))}%"
    return params


def filter_goals(stmt: Select, shape: tuple) -> Select:
    """Restrict `stmt` (selecting from goals) to what the viewer may see and to the filters of `shape`, every
    value a bind parameter (`goal_filter_params`): one statement per shape, compiled once, prepared once."""
    statuses, categories, priorities, board, year, due_from, due_to, search, ordering = shape
    viewer = BoardParticipant.user_id == bindparam("viewer_id")
    stmt = stmt.where(Goal.board_id.in_(visible_board_ids(viewer)))
    if statuses:
        stmt = stmt.where(_one_of(Goal.status, "status", statuses))
    else:
        stmt = stmt.where(Goal.status != "archived")  # archived only when asked for
    if categories:
        stmt = stmt.where(_one_of(Goal.category_id, "category", categories))
    if priorities:
        stmt = stmt.where(_one_of(Goal.priority, "priority", priorities))
    if board:
        stmt = stmt.where(Goal.board_id == bindparam("board"))
    if year:  # a range, not EXTRACT(year), so the due_date index serves it
        stmt = stmt.where(Goal.due_date >= bindparam("year_start"), Goal.due_date < bindparam("year_end"))
    if due_from:
        stmt = stmt.where(Goal.due_date >= bindparam("due_from", type_=Goal.due_date.type))
    if due_to:
        stmt = stmt.where(Goal.due_date <= bindparam("due_to", type_=Goal.due_date.type))
    if search:
        stmt = stmt.where(Goal.title_folded.like(bindparam("search", type_=Goal.title_folded.type), escape="\\"))
    return apply_ordering(stmt, ordering)


def _one_of(column: Any, name: str, how_many: int) -> Any:
    if how_many == 1:
        return column == bindparam(name, type_=column.type)
    return column == any_(bindparam(name, type_=ARRAY(column.type)))


def apply_goal_filters(stmt: Select, user: User, filters: dict[str, Any]) -> Select:
    """Restrict `stmt` (selecting from goals) to what `user` may see and to the given filters (values bound)."""
    return filter_goals(stmt, filter_shape(filters)).params(goal_filter_params(user, filters))


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
#: ... and `days_left` as `models.days_left` counts it (date - date is the number of days, NULL without a due
#: date), from the viewer's today bound as a parameter.
DAYS_LEFT = (Goal.due_date - bindparam("today", type_=Date)).label("days_left")


_PAGES: dict[tuple, HotPage] = {}  # at most one per shape: a few thousand, each a compiled string


def goal_page(
    user: User | TokenOwner, filters: dict[str, Any], pagination_parameters: Any, today: date
) -> list[dict[str, Any]]:
    """One page of the goal list as dicts of LIST_COLUMNS (`item_count` set), `days_left` counted from `today`:
    the statement of the filters' shape is built and compiled once per process, and psycopg prepares it on the
    server."""
    shape = filter_shape(filters)
    page = _PAGES.get(shape)
    if page is None:
        page = _PAGES[shape] = HotPage(filter_goals(select(*LIST_COLUMNS, DAYS_LEFT), shape))
    return page({**goal_filter_params(user, filters), "today": today}, pagination_parameters)


GOAL_KEYS = tuple(Goal.__mapper__.get_property_by_column(column).key for column in Goal.__table__.columns)
_NEW_GOAL = {  # the values of a new goal; the category's board and the permission come from the SELECT
    "title": Goal.title,
    "title_folded": Goal.title_folded,
    "description": Goal.description,
    "status": Goal.status,
    "priority": Goal.priority,
    "start_date": Goal.start_date,
    "due_date": Goal.due_date,
    "author_id": Goal.author_id,
    "created_at": Goal.created_at,
    "updated_at": Goal.updated_at,
}
# One statement that checks and writes: a row only where the author writes on the category's live board and the
# category is live. No row: `services._target_category` says why (404, 403 or 422). Built once (app/common/hot.py).
INSERT_GOAL = HotStatement(
    insert(Goal)
    .from_select(
        [*_NEW_GOAL, "category_id", "board_id"],
        select(
            *(bindparam(name, type_=column.type) for name, column in _NEW_GOAL.items()),
            Category.id,
            Category.board_id,
        )
        .join(Board, Board.id == Category.board_id)
        .join(BoardParticipant, BoardParticipant.board_id == Category.board_id)
        .where(
            Category.id == bindparam("category_id"),
            Category.is_deleted.is_(False),
            Board.is_deleted.is_(False),
            BoardParticipant.user_id == bindparam("author_id"),
            or_(*(BoardParticipant.role == role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[WRITER])),
        ),
    )
    .returning(*Goal.__table__.columns)
)
