"""Rate-limit keys shared by the endpoints that need them."""

from __future__ import annotations

from flask_limiter.util import get_remote_address


def client_ip() -> str:
    """The client's address: the peer's, or the one TRUSTED_PROXIES proxies reported (app.common.proxies)."""
    return get_remote_address() or "unknown"
