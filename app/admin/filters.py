"""List filters for our aware-UTC timestamp columns (Flask-Admin's own would bind naive datetimes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEmpty
from flask_admin.model import filters
from flask_babel import lazy_gettext as _l


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class UTCDateAfter(BaseSQLAFilter, filters.BaseDateFilter):
    def apply(self, query, value: date, alias: Any = None):
        return query.filter(self.get_column(alias) >= _start(value))

    def operation(self):
        return _l("on or after")


class UTCDateBefore(BaseSQLAFilter, filters.BaseDateFilter):
    def apply(self, query, value: date, alias: Any = None):
        return query.filter(self.get_column(alias) < _start(value + timedelta(days=1)))

    def operation(self):
        return _l("on or before")


class UTCDateBetween(BaseSQLAFilter, filters.BaseDateBetweenFilter):
    def __init__(self, column, name, options=None, data_type=None) -> None:
        super().__init__(column, name, options, data_type="daterangepicker")

    def apply(self, query, value, alias: Any = None):
        start, end = value
        column = self.get_column(alias)
        return query.filter(column >= _start(start), column < _start(end + timedelta(days=1)))


def utc_date_filters(column, label, *, nullable: bool = False) -> list:
    """after / before / between (whole UTC days), plus "empty" for nullable columns."""
    found = [UTCDateAfter(column, label), UTCDateBefore(column, label), UTCDateBetween(column, label)]
    if nullable:
        found.append(FilterEmpty(column, label))
    return found
