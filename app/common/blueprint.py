"""flask-smorest's Blueprint for every API module, parsing with one schema instance per schema class.

Given a schema class, webargs builds an instance for every request it parses (marshmallow deep-copies every
declared field on construction): for the goal list, its filters and its paging, two instances per request, a
tenth of the request's CPU. Schemas here keep no state between loads (everything a load needs is passed to
`load`), so one instance per class serves every request.
"""

from __future__ import annotations

from typing import Any

import flask_smorest
import marshmallow as ma
from flask_smorest.pagination import PaginationParameters
from webargs.flaskparser import FlaskParser


class ReusingParser(FlaskParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._instances: dict[type[ma.Schema], ma.Schema] = {}

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)


class RememberingParser(ReusingParser):
    """Query-string arguments of a schema class that sets `remember_loads`, loaded once per query string.

    Loading is a pure function of the query string (and the route's fixed options), and the goal list's filters
    cost ~7% of its request to load: a repeated query (the client re-listing, the next page aside) is answered
    from a per-process dict, as a copy the view may change. Failed loads (422) are not remembered; the dict
    starts again empty when it holds MAX_REMEMBERED query strings. Opt-in per schema: a list's filters, never
    a callback's one-time codes.
    """

    MAX_REMEMBERED = 2048

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[tuple, dict[str, Any]] = {}

    def parse(self, argmap: Any, req: Any = None, *, location: str | None = None, **kwargs: Any) -> Any:
        plain = kwargs.get("validate") is None and kwargs.get("error_headers") is None
        remember = plain and isinstance(argmap, type) and getattr(argmap, "remember_loads", False)
        if location != "query" or not remember:
            return super().parse(argmap, req, location=location, **kwargs)
        query = (req if req is not None else self.get_default_request()).query_string
        key = (argmap, query, kwargs.get("unknown"), kwargs.get("error_status_code"))
        loaded = self._loaded.get(key)
        if loaded is None:
            loaded = super().parse(argmap, req, location=location, **kwargs)
            if not isinstance(loaded, dict):
                return loaded
            if len(self._loaded) >= self.MAX_REMEMBERED:
                self._loaded.clear()
            self._loaded[key] = loaded
        return {name: list(value) if isinstance(value, list) else value for name, value in loaded.items()}


class PagingParser(ReusingParser):
    """The paging arguments of a list (`page`, `page_size`), read straight from the query string when they are
    plain decimal numbers within their bounds, which is what webargs and marshmallow would make of them too;
    anything else (absent fields take their defaults) goes through webargs, with its 422s unchanged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bounds: dict[type[ma.Schema], tuple[int, int, int]] = {}

    def parse(self, argmap: Any, req: Any = None, *, location: str | None = None, **kwargs: Any) -> Any:
        bounds = self._bounds.get(argmap) if location == "query" and not kwargs else None
        if bounds is None:
            if isinstance(argmap, type) and argmap.__name__ == "PaginationParametersSchema":
                self._bounds[argmap] = _paging_bounds(argmap)
            return super().parse(argmap, req, location=location, **kwargs)
        page_default, size_default, size_max = bounds
        args = req.args
        page, size = args.get("page"), args.get("page_size")
        page = page_default if page is None else _plain_number(page)
        size = size_default if size is None else _plain_number(size)
        if page is None or size is None or page < 1 or not 1 <= size <= size_max:
            return super().parse(argmap, req, location=location)
        return PaginationParameters(page, size)


def _plain_number(raw: str) -> int | None:
    if not (raw.isascii() and raw.isdigit()):
        return None
    try:
        return int(raw)
    except ValueError:  # more digits than int() takes: marshmallow's 422
        return None


def _paging_bounds(schema: type[ma.Schema]) -> tuple[int, int, int]:
    """flask-smorest's paging schema: the default page, the default page size, the largest page size."""
    fields = schema._declared_fields
    (size_range,) = fields["page_size"].validators
    return fields["page"].load_default, fields["page_size"].load_default, size_range.max


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = RememberingParser()
    PAGINATION_ARGUMENTS_PARSER = PagingParser()

    @staticmethod
    def _make_pagination_metadata(page: int, page_size: int, item_count: int) -> dict[str, int]:
        """flask-smorest's X-Pagination fields, without building its schema to dump them (every field an int,
        in the order the schema declares them: what its dump returns)."""
        if item_count == 0:
            return {"total": 0, "total_pages": 0}
        last_page = (item_count - 1) // page_size + 1
        metadata = {"total": item_count, "total_pages": last_page, "first_page": 1, "last_page": last_page}
        if page <= last_page:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last_page:
                metadata["next_page"] = page + 1
        return metadata
