"""Paging in the database: rows and the total in one round trip."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import CTE, BigInteger, Select, bindparam, func, select

from app.common.hot import HotStatement
from app.extensions import db

MAX_OFFSET = 2**62


def paginate(stmt: Select, pagination_parameters: Any, *, scalars: bool = True, mappings: bool = False) -> list[Any]:
    """Run one page of `stmt` and set `item_count` for flask-smorest's X-Pagination header.

    The total rides along as a window count, so a page costs one query; only a page past the end
    (no rows to carry the count) needs a second, cheap COUNT. `mappings=True` returns one dict per row
    (column name → value): hot lists select columns and skip building ORM objects.
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
    if mappings:
        return [{key: value for key, value in row._mapping.items() if key != "_total"} for row in rows]
    if scalars:
        return [row[0] for row in rows]
    return [tuple(row[:-1]) for row in rows]


class HotPage:
    """`paginate` for a hot list: its page statement and its fallback COUNT compiled once (app/common/hot.py).

    `stmt` is the list's query with its values as bindparams (one HotPage per filter shape); a run passes them as
    keywords. The page selects the window count as `paginate` does, so a page costs one statement, and a page past
    the end (no rows to carry the count) one more: `count`, by default the COUNT of `stmt`'s rows. A `count` of
    its own may say more: no row (or a NULL total) means there is nothing to list for these values (a list the
    caller cannot see), and `page` then answers None instead of rows. `around` turns the page (a CTE of `stmt`'s
    columns and `_total`) into the statement that runs, one that keeps the page's order and has `_total` as its
    last column (the habit list joins each habit's streaks to it there).
    """

    def __init__(
        self,
        stmt: Select,
        *,
        count: Select | None = None,
        around: Callable[[CTE], Select] | None = None,
    ) -> None:
        page = (
            stmt.add_columns(func.count().over().label("_total"))
            .limit(bindparam("page_limit", type_=BigInteger))
            .offset(bindparam("page_offset", type_=BigInteger))
        )
        self.statement = HotStatement(around(page.cte("page")) if around else page)
        if count is None:
            count = select(func.count()).select_from(stmt.order_by(None).subquery())
        self.count = HotStatement(count)
        self._keys: tuple[str, ...] | None = None

    def page(self, pagination_parameters: Any, **params: Any) -> list[dict[str, Any]] | None:
        """One page as dicts (column label → value); `item_count` set for the X-Pagination header."""
        page, size = pagination_parameters.page, pagination_parameters.page_size
        rows = self.statement.all(page_limit=size, page_offset=min((page - 1) * size, MAX_OFFSET), **params)
        if rows:
            pagination_parameters.item_count = rows[0][-1]
            keys = self._keys
            if keys is None:  # plain str: a CTE's column labels are str subclasses, which orjson refuses as keys
                keys = self._keys = tuple(str(key) for key in self.statement.keys[:-1])
            return [dict(zip(keys, row, strict=False)) for row in rows]  # zip stops before _total
        counted = self.count.first(**params)
        if counted is None or counted[0] is None:
            return None
        pagination_parameters.item_count = counted[0]
        return []
