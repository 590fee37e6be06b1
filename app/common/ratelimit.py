"""Rate-limit keys shared by the endpoints that need them."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, request
from flask_limiter.util import get_remote_address


def client_ip() -> str:
    """The client address as the WSGI server sees it (put ProxyFix in front when behind a proxy)."""
    return get_remote_address() or "unknown"


def json_field_key(field: str) -> Callable[[], str]:
    def key() -> str:
        body = request.get_json(silent=True)
        value = body.get(field) if isinstance(body, dict) else None
        return f"{field}:{str(value).lower()[:150]}" if value else f"{field}:-"

    return key


def on_auth_failure(response: Response) -> bool:
    return response.status_code == 401
