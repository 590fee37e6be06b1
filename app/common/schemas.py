"""Base schemas: unknown fields are an error, so nothing can be mass-assigned.

Names, one convention: `<Noun>Schema` is what the API answers; the bodies it reads are `<Noun>CreateSchema`
(POST), `<Noun>UpdateSchema` (PATCH) or `<Noun>WriteSchema` (one body for POST and PUT); query strings are
`<Noun>QuerySchema`; a body of an action endpoint is named for the action (`LoginSchema`, `VerifySchema`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import marshmallow as ma
from marshmallow import validate


class BaseSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE
        ordered = True


class QuerySchema(ma.Schema):
    """Query-string arguments: unknown keys (pagination, cache busters) pass through."""

    class Meta:
        unknown = ma.EXCLUDE
        ordered = True


def Text(max_length: int, *, required: bool = False, allow_blank: bool = False, **kwargs) -> ma.fields.String:
    """A trimmed string with an upper bound (every string we accept has one)."""
    min_length = 0 if allow_blank else 1
    validators = [validate.Length(min=min_length, max=max_length)]
    extra = kwargs.pop("validate", None)
    if extra is not None:
        validators.extend(extra if isinstance(extra, list) else [extra])
    return TrimmedString(required=required, validate=validators, raw_max_length=max_length, **kwargs)


# C0 controls but tab, line feed and carriage return, and DEL: invisible, they break the calendar feed, CSV
# cells and terminals (escape sequences), and no person types them.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TrimmedString(ma.fields.String):
    def __init__(self, *args, raw_max_length: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.raw_max_length = raw_max_length

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        # The documented maxLength applies to what the client sends, not to what is left after trimming.
        if self.raw_max_length is not None and isinstance(result, str) and len(result) > self.raw_max_length:
            raise ma.ValidationError(f"Longer than maximum length {self.raw_max_length}.")
        if isinstance(result, str) and "\x00" in result:
            raise ma.ValidationError("Must not contain NUL characters.")  # PostgreSQL text cannot store them
        if isinstance(result, str) and _CONTROL.search(result):
            raise ma.ValidationError("Must not contain control characters (other than tab and line breaks).")
        return result.strip() if isinstance(result, str) else result


def validate_timezone(value: str) -> None:
    if not value or value not in _zones():
        raise ma.ValidationError("Not a known IANA time zone.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ma.ValidationError("Not a known IANA time zone.") from exc


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def schema_columns(model: type, schema: type[ma.Schema], *, computed: Iterable[str] = ()) -> tuple:
    """The model's column for each field `schema` shows, in the schema's order, but for the `computed` ones
    (filled in after the query). A hot list selects these plain columns instead of ORM objects, and what it
    selects cannot drift from what the API shows: a shown field without a column is an error at import."""
    computed = set(computed)
    columns = []
    for name, field in schema().dump_fields.items():
        if name in computed:
            continue
        column = getattr(model, field.attribute or name, None)
        if column is None:
            raise TypeError(f"{schema.__name__}.{name} is neither a column of {model.__name__} nor computed")
        columns.append(column)
    return tuple(columns)


class ErrorSchema(ma.Schema):
    """The body of every error (app/errors.py builds it); the spec documents each error response with it."""

    code = ma.fields.Integer(metadata={"description": "The HTTP status code"})
    status = ma.fields.String(metadata={"description": "The HTTP reason phrase"})
    message = ma.fields.String(metadata={"description": "What went wrong, for a person"})
    errors = ma.fields.Dict(metadata={"description": "Messages by location and field: {json: {title: [...]}}"})
