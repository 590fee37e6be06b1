"""CSV cells that a spreadsheet would run as a formula (OWASP "CSV Injection"), and CSV cells rendered by
PostgreSQL exactly as Python's csv module writes them.

Excel, LibreOffice and Google Sheets treat a cell starting with `=`, `+`, `-`, `@` (and tab or carriage
return, which some strip first) as a formula: a goal titled `=HYPERLINK(...)` would run on the reader's
machine. Such a cell is written with a leading `'`, which spreadsheets show as text. JSON is never changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, Integer, Text, any_, case, cast, func, literal, type_coerce
from sqlalchemy.sql.elements import ColumnElement

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What makes the csv module's default dialect ("excel", QUOTE_MINIMAL) quote a cell: the delimiter, the quote
# character, or a character of its line terminator "\r\n".
_NEEDS_QUOTES = '[,"\r\n]'


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- the same cells written by PostgreSQL (a CSV export built by the database, app/goals/export.py) ---------


def sql_safe_text(text: ColumnElement) -> ColumnElement:
    """`safe_cell` of a text column, in SQL."""
    starts = literal(list(FORMULA_STARTS), ARRAY(Text))
    return case((func.left(text, 1) == any_(starts), literal("'") + text), else_=text)


def sql_csv_text(text: ColumnElement) -> ColumnElement:
    """A text value as csv.writer writes it: NULL as nothing, quoted (inner quotes doubled) when it holds a
    comma, a quote, CR or LF."""
    quoted = literal('"') + func.replace(text, '"', '""') + '"'
    return case((text.is_(None), ""), (text.regexp_match(_NEEDS_QUOTES), quoted), else_=text)


def sql_csv_number(value: ColumnElement) -> ColumnElement:
    """An integer as csv.writer writes it (str(), NULL as nothing)."""
    return func.coalesce(cast(type_coerce(value, Integer), Text), "")


def sql_csv_date(value: ColumnElement) -> ColumnElement:
    """A date as csv.writer writes it (`date.isoformat()`, whatever the session's DateStyle)."""
    return func.coalesce(func.to_char(value, "YYYY-MM-DD"), "")


def sql_csv_timestamp(value: ColumnElement) -> ColumnElement:
    """A timestamptz as `datetime.isoformat()` writes an aware UTC datetime: `YYYY-MM-DDTHH:MM:SS+00:00`, with
    `.ffffff` only when the microseconds are not zero."""
    full = func.to_char(func.timezone("UTC", value), 'YYYY-MM-DD"T"HH24:MI:SS.US')
    return func.coalesce(case((func.right(full, 7) == ".000000", func.left(full, -7)), else_=full) + "+00:00", "")


def sql_csv_line(cells: list[ColumnElement]) -> ColumnElement:
    """One CSV record of already-rendered cells, without its line terminator."""
    line = cells[0]
    for cell in cells[1:]:
        line = line + "," + cell
    return line
