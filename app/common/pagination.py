"""Paging in the database: rows and the total in one round trip."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, func, select

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
    """`paginate` for a hot list: its page statement and the fallback count built once per process and run as
    HotStatements (app/common/hot.py); every value, the page's LIMIT and OFFSET included, a bind parameter."""

    def __init__(self, stmt: Select) -> None:
        counted = stmt.add_columns(func.count().over().label("_total"))
        self._page = HotStatement(counted.limit(bindparam("page_limit")).offset(bindparam("page_offset")))
        self._count = HotStatement(select(func.count()).select_from(stmt.order_by(None).subquery()))

    def __call__(self, params: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """The page as one dict per row (column label → value); sets `item_count` as `paginate` does."""
        page, size = pagination_parameters.page, pagination_parameters.page_size
        offset = min((page - 1) * size, MAX_OFFSET)
        rows = self._page.all(**params, page_limit=size, page_offset=offset)
        if rows:
            pagination_parameters.item_count = rows[0][-1]
        else:
            pagination_parameters.item_count = self._count.first(**params)[0]
        keys = self._page.keys[:-1]
        return [dict(zip(keys, row[:-1], strict=True)) for row in rows]
