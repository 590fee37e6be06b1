"""orjson behind Flask's JSON provider: the same output as Flask's default provider, several times faster.

Datetimes, dates and anything orjson does not know go through Flask's own `default` (HTTP dates,
dataclasses, __html__ ...), keys stay sorted, and non-ASCII is written as UTF-8 (valid JSON either way).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import orjson
from flask import Response, current_app
from flask.json.provider import DefaultJSONProvider

_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
)


class OrjsonProvider(DefaultJSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:  # callers asking for Flask's options (indent, separators ...) get the stdlib encoder
            return super().dumps(obj, **kwargs)
        return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            return super().loads(s, **kwargs)
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any):
        obj = self._prepare_response_obj(args, kwargs)
        if self._app.debug:  # pretty output in debug mode, as Flask does
            return super().response(obj)
        return self._app.response_class(
            orjson.dumps(obj, default=self.default, option=_OPTIONS), mimetype=self.mimetype
        )


#: Fields whose marshmallow output is exactly orjson's own rendering of the value the column holds: ints,
#: strings, booleans, None, and ISO 8601 dates and datetimes (offset included, as `isoformat()` writes them).
_NATIVE_FIELDS = (ma.fields.Integer, ma.fields.String, ma.fields.Boolean)
_ISO_FIELDS = (ma.fields.Date, ma.fields.DateTime)  # DateTime covers AwareDateTime and NaiveDateTime


class RowsResponse:
    """A hot list's page as JSON straight from the rows its query shaped, the schema's dump skipped.

    The schema stays the contract (the OpenAPI document, the single-object endpoints); this renders rows whose
    keys are its fields (`schema_columns` selects them) and checks once, at import, that every field dumps its
    value unchanged, so that orjson writes what the schema would: no Method/Function fields, no renamed keys, no
    number formatting, dates and datetimes in ISO format; a Nested field only of such fields, its value the dict
    of that schema's keys. tests/test_fast_lists.py compares the two.
    The fields named in `own_format` (a custom field such as the habits' HH:MM time) are rendered by the
    schema field's own `_serialize`, value by value: the same text, without a whole dump per row.
    """

    def __init__(self, schema: type[ma.Schema], own_format: tuple[str, ...] = ()) -> None:
        dump_fields = schema().dump_fields
        for name, field in dump_fields.items():
            renamed = field.data_key not in (None, name) or field.attribute not in (None, name)
            if renamed or not (name in own_format or _renders_natively(field)):
                raise TypeError(f"{schema.__name__}.{name} ({type(field).__name__}) needs the schema to dump it")
        self.fields = frozenset(dump_fields)
        self._formats = tuple((name, dump_fields[name]) for name in own_format)

    def __call__(self, rows: list[dict[str, Any]]) -> Response:
        for name, field in self._formats:
            for row in rows:
                row[name] = field._serialize(row[name], name, row)
        return current_app.response_class(orjson.dumps(rows, option=orjson.OPT_SORT_KEYS), mimetype="application/json")

    def one(self, row: dict[str, Any], status: int = 200) -> Response:
        """A single object (a hot single-object endpoint), `row` keyed by the schema's fields."""
        for name, field in self._formats:
            row[name] = field._serialize(row[name], name, row)
        return current_app.response_class(
            orjson.dumps(row, option=orjson.OPT_SORT_KEYS), status=status, mimetype="application/json"
        )


def _renders_natively(field: ma.fields.Field) -> bool:
    if type(field) is ma.fields.Nested and not field.many and not field.only and not field.exclude:
        nested = field.schema.dump_fields
        return all(
            field.data_key in (None, name) and field.attribute in (None, name) and _renders_natively(field)
            for name, field in nested.items()
        )
    if isinstance(field, _ISO_FIELDS):
        return field.format in (None, "iso")
    return type(field) in _NATIVE_FIELDS
