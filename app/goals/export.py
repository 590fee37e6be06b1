"""Goal export as CSV or JSON, streamed (memory flat in the number of goals).

Shared by `GET /api/v1/goals/export` and `flask goals export`. The statement is built (with the caller's
visibility) before streaming starts; only its execution happens while the body is written.

CSV is written by PostgreSQL: each goal's record is one text value built in SQL (app/common/csvsafe.py renders
every cell exactly as the csv module and `safe_cell` would) and streamed with `COPY ... TO STDOUT`, so Python
only joins the rows it receives. Built in Python it cost ~20 µs of the web worker's CPU a row (41,000 rows/s,
bench/RESULTS.md); the database's CPU per row is what bounds it now. JSON rows are plain column tuples from a
server-side cursor, never ORM objects.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Select, SmallInteger, bindparam, case, func, literal, select, type_coerce

from app.auth.models import User
from app.common.csvsafe import (
    sql_csv_date,
    sql_csv_line,
    sql_csv_number,
    sql_csv_text,
    sql_csv_timestamp,
    sql_safe_text,
)
from app.common.hot import HotStatement
from app.extensions import db
from app.goals.models import PRIORITY_RANK, Category, Goal, days_left
from app.goals.queries import apply_goal_filters, filter_goals, filter_shape, goal_filter_params

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


def _csv_record() -> Any:
    """FIELDS of one goal as one CSV record (no line terminator), rendered by PostgreSQL."""
    rank = type_coerce(Goal.priority, SmallInteger)
    priority = func.coalesce(case(*((rank == value, literal(name)) for name, value in PRIORITY_RANK.items())), "")
    # Only people's free text can start a formula: ids, enums, dates and numbers never start with `=`, `+` or
    # `@` (a negative days_left is a number, which spreadsheets read as the number it is).
    cells = {
        "id": sql_csv_number(Goal.id),
        "title": sql_csv_text(sql_safe_text(Goal.title)),
        "description": sql_csv_text(sql_safe_text(Goal.description)),
        "category_id": sql_csv_number(Goal.category_id),
        "board_id": sql_csv_number(Goal.board_id),
        "status": sql_csv_text(Goal.status),
        "priority": priority,
        "start_date": sql_csv_date(Goal.start_date),
        "due_date": sql_csv_date(Goal.due_date),
        "days_left": sql_csv_number(Goal.due_date - bindparam("today", type_=Date)),  # as models.days_left counts
        "author_id": sql_csv_number(Goal.author_id),
        "created_at": sql_csv_timestamp(Goal.created_at),
        "updated_at": sql_csv_timestamp(Goal.updated_at),
        "category_title": sql_csv_text(sql_safe_text(Category.title)),
    }
    return sql_csv_line([cells[name] for name in FIELDS])


_CSV_STATEMENTS: dict[tuple, HotStatement] = {}  # one per filter shape, as the goal list's pages


def _csv_rows(user: User, filters: dict[str, Any], today: date) -> Iterator[memoryview]:
    shape = filter_shape(filters)
    statement = _CSV_STATEMENTS.get(shape)
    if statement is None:
        records = select(_csv_record()).select_from(Goal).join(Category, Category.id == Goal.category_id)
        statement = _CSV_STATEMENTS[shape] = HotStatement(filter_goals(records, shape))
    return statement.copy_out(**goal_filter_params(user, filters), today=today)


# COPY's text format escapes a backslash and these control characters in a value; nothing else.
_COPY_ESCAPE = re.compile(rb"\\([\\bfnrtv])")
_COPY_ESCAPED = {b"\\": b"\\", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _unescape(match: re.Match) -> bytes:
    return _COPY_ESCAPED[match.group(1)]


def _csv_chunks(rows: Iterable[memoryview], on_rows: Callable[[int], None] | None) -> Iterator[str]:
    """COPY's rows (a record and a newline each) as CSV text: CRLF line ends, as the csv module writes them."""
    encoding = db.session.connection().connection.driver_connection.info.encoding
    yield ",".join(FIELDS) + "\r\n"
    batch: list[memoryview] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield _csv_text(batch, encoding)
            if on_rows:
                on_rows(len(batch))
            batch.clear()
    if batch:
        yield _csv_text(batch, encoding)
        if on_rows:
            on_rows(len(batch))


def _csv_text(rows: list[memoryview], encoding: str) -> str:
    # A newline in a value arrives escaped: every raw one ends a row.
    data = b"".join(rows).replace(b"\n", b"\r\n")
    if b"\\" in data:
        data = _COPY_ESCAPE.sub(_unescape, data)
    return data.decode(encoding)


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


def stream_export(
    user: User, filters: dict[str, Any], today: date, fmt: str, on_rows: Callable[[int], None] | None = None
) -> Iterator[str]:
    """The export body in chunks of text; `on_rows(n)` after each chunk (progress bars). The statement is
    built here, with `user`'s visibility; it runs when the first chunk is asked for."""
    if fmt == "csv":
        return _csv_chunks(_csv_rows(user, filters, today), on_rows)
    return _json_chunks(_rows(export_stmt(user, filters), today), on_rows)
