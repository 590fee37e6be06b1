"""JSON in and out: hostile nesting becomes a 400, not a RecursionError."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class KalendarJSONProvider(DefaultJSONProvider):
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            # Flask turns ValueError into 400 Bad Request; a 1 MiB body of brackets must not be a 500.
            raise ValueError("JSON is nested too deeply.") from exc
