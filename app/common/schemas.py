"""Base schemas: unknown fields are an error, so nothing can be mass-assigned.

Names, one convention: `<Noun>Schema` is what the API answers; the bodies it reads are `<Noun>CreateSchema`
(POST), `<Noun>UpdateSchema` (PATCH) or `<Noun>WriteSchema` (one body for POST and PUT); query strings are
`<Noun>QuerySchema`; a body of an action endpoint is named for the action (`LoginSchema`, `VerifySchema`).
"""

from __future__ import annotations

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


class ErrorSchema(ma.Schema):
    code = ma.fields.Integer()
    status = ma.fields.String()
    message = ma.fields.String()
    errors = ma.fields.Dict()
