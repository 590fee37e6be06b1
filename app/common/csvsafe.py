"""CSV cells that a spreadsheet would run as a formula (OWASP "CSV Injection").

Excel, LibreOffice and Google Sheets treat a cell starting with `=`, `+`, `-`, `@` (and tab or carriage
return, which some strip first) as a formula: a goal titled `=HYPERLINK(...)` would run on the reader's
machine. Such a cell is written with a leading `'`, which spreadsheets show as text. JSON is never changed.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
