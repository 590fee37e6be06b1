"""Paging in the database: rows and the total in one round trip."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import CTE, Select, bindparam, exists, func, literal, null, select

from app.common.hot import HotStatement
from app.extensions import db

MAX_OFFSET = 2**62


def paginate(stmt: Select, pagination_parameters: Any, *, scalars: bool = True) -> list[Any]:
    """Run one page of `stmt` and set `item_count` for flask-smorest's X-Pagination header.

    The total rides along as a window count, so a page costs one query; only a page past the end
    (no rows to carry the count) needs a second, cheap COUNT. Hot lists use `HotPage` instead.
    """
    page, size = pagination_parameters.page, pagination_parameters.page_size
    # A page far past the end is just empty; an OFFSET beyond PostgreSQL's bigint would be a 500.
    offset = min((page - 1) * size, MAX_OFFSET)
    counted = stmt.add_columns(func.count().over().label("_total")).limit(size).offset(offset)
    rows = db.session.execute(counted).all()
    if rows:
        total = rows[0][-1]
    else:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination_parameters.item_count = total
    if scalars:
        return [row[0] for row in rows]
    return [tuple(row[:-1]) for row in rows]


class HotPage:
    """`paginate` for a hot list: one statement a page, built once per process and run as a HotStatement
    (app/common/hot.py); every value, the page's LIMIT and OFFSET included, a bind parameter.

    `stmt` is the list's query (one HotPage per filter shape). The page selects the window count as `paginate`
    does. An empty page (past the end, or nothing to list) has no row to carry it: the same statement then
    answers one row of NULLs and `count`, by default the COUNT of `stmt`'s rows, which PostgreSQL runs only
    then (an InitPlan behind the "page is empty" filter). A `count` of its own may say more: no row (or a NULL
    total) means there is nothing to list for these values (a list the caller cannot see), and the call then
    answers None instead of rows. `around` turns the page (a CTE of `stmt`'s columns and `_total`) into the
    statement that runs, one that keeps the page's order and has `_total` as its last column (the habit list
    joins each habit's streaks to it there).
    """

    def __init__(
        self, stmt: Select, *, count: Select | None = None, around: Callable[[CTE], Select] | None = None
    ) -> None:
        counted = stmt.add_columns(func.count().over().label("_total"))
        page = counted.limit(bindparam("page_limit")).offset(bindparam("page_offset"))
        listed = (around(page.cte("page")) if around else page).cte("listed")
        if count is None:
            count = select(func.count()).select_from(stmt.order_by(None).subquery())
        only_total = select(*(null() for _ in listed.c[:-1]), count.scalar_subquery()).where(
            ~exists(select(literal(1)).select_from(listed))
        )
        self._page = HotStatement(select(listed).union_all(only_total))

    def __call__(self, params: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]] | None:
        """The page as one dict per row (column label → value); sets `item_count` as `paginate` does."""
        page, size = pagination_parameters.page, pagination_parameters.page_size
        offset = min((page - 1) * size, MAX_OFFSET)
        records = self._page.dicts(**params, page_limit=size, page_offset=offset)
        for record in records:
            total = record.pop("_total")
        first = records[0]
        if len(records) == 1 and all(value is None for value in first.values()):  # a listed row has its id at least
            if total is None:
                return None
            pagination_parameters.item_count = total
            return []
        pagination_parameters.item_count = total
        return records
