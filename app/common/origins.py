"""This service's own origin(s): where its web client runs, for Origin checks and the client's CSP."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, lower-cased; None for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origins() -> set[str]:
    """PUBLIC_URL's origin (what browsers see behind a proxy) and the origin this request was addressed to."""
    found = {origin_of(request.host_url)}
    public = current_app.config.get("PUBLIC_URL")
    if public:
        found.add(origin_of(public))
    return {origin for origin in found if origin}


def is_own_origin(origin: str | None) -> bool:
    return origin is not None and origin.lower() in own_origins()


def socket_origins() -> list[str]:
    """The ws:/wss: origins of `own_origins`, for the client's `connect-src`."""
    return sorted(("wss://" if o.startswith("https:") else "ws://") + o.split("://", 1)[1] for o in own_origins())
