"""Goal export as CSV or JSON, streamed from a server-side cursor (memory flat in the number of goals).

Shared by `GET /api/v1/goals/export` and `flask goals export`. Rows are plain column tuples, never ORM
objects. The statement is built (with the caller's visibility) before streaming starts; only its
execution happens while the body is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select

from app.auth.models import User
from app.common.csvsafe import safe_cell
from app.extensions import db
from app.goals.models import Category, Goal, days_left
from app.goals.queries import apply_goal_filters

FIELDS = (
    "id",
    "title",
    "description",
    "category_id",
    "board_id",
    "status",
    "priority",
    "start_date",
    "due_date",
    "days_left",
    "author_id",
    "created_at",
    "updated_at",
    "category_title",
)
_COLUMNS = (
    Goal.id,
    Goal.title,
    Goal.description,
    Goal.category_id,
    Goal.board_id,
    Goal.status,
    Goal.priority,
    Goal.start_date,
    Goal.due_date,
    Goal.author_id,
    Goal.created_at,
    Goal.updated_at,
    Category.title.label("category_title"),
)
_DUE = 8  # index of due_date in _COLUMNS; days_left is inserted after it
BATCH = 1000  # rows fetched per round trip and written per chunk
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def export_stmt(user: User, filters: dict[str, Any]) -> Select:
    stmt = select(*_COLUMNS).join(Category, Category.id == Goal.category_id)
    return apply_goal_filters(stmt, user, filters)


def count_rows(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _rows(stmt: Select, today: date) -> Iterator[tuple]:
    # A server-side cursor on the session's connection, read as Core rows: the ORM's per-row loading is skipped.
    result = db.session.connection().execute(stmt.execution_options(yield_per=BATCH))
    try:
        for row in result:
            due = row[_DUE]
            yield (*row[: _DUE + 1], days_left(due, today), *row[_DUE + 1 :])
    finally:
        result.close()


def _text(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


# The csv module already writes None as "" and a date as its ISO form (str); only datetimes need isoformat().
_CSV_DATETIMES = tuple(FIELDS.index(name) for name in ("created_at", "updated_at"))
# Only people's free text can start a formula: ids, enums, dates and numbers never start with `=`, `+` or `@`
# (a negative days_left is an int, which spreadsheets read as the number it is).
_CSV_FREE_TEXT = tuple(FIELDS.index(name) for name in ("title", "description", "category_title"))


def _csv_chunks(rows: Iterator[tuple], on_rows: Callable[[int], None] | None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180 quoting: commas, quotes and newlines inside values survive
    writer.writerow(FIELDS)
    batch: list[list] = []
    for row in rows:
        row = list(row)
        for index in _CSV_FREE_TEXT:
            row[index] = safe_cell(row[index])
        for index in _CSV_DATETIMES:
            if row[index] is not None:
                row[index] = row[index].isoformat()
        batch.append(row)
        if len(batch) == BATCH:
            writer.writerows(batch)  # one call per chunk: the per-row work stays in C
            yield _drain(buffer)
            if on_rows:
                on_rows(len(batch))
            batch.clear()
    writer.writerows(batch)
    yield _drain(buffer)
    if on_rows and batch:
        on_rows(len(batch))


def _json_chunks(rows: Iterator[tuple], on_rows: Callable[[int], None] | None) -> Iterator[str]:
    buffer = io.StringIO()
    buffer.write("[")
    count, separator = 0, "\n"
    for row in rows:
        buffer.write(separator)
        buffer.write(json.dumps(dict(zip(FIELDS, map(_text, row), strict=True)), ensure_ascii=False))
        separator = ",\n"
        count += 1
        if count == BATCH:
            yield _drain(buffer)
            if on_rows:
                on_rows(count)
            count = 0
    buffer.write("\n]\n")
    yield _drain(buffer)
    if on_rows and count:
        on_rows(count)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def stream_export(stmt: Select, today: date, fmt: str, on_rows: Callable[[int], None] | None = None) -> Iterator[str]:
    """The export body in chunks of text; `on_rows(n)` after each chunk (progress bars)."""
    chunks = _csv_chunks if fmt == "csv" else _json_chunks
    return chunks(_rows(stmt, today), on_rows)
