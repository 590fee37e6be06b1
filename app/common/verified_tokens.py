"""A token's signature is checked once per process, not on every request that carries it.

flask-jwt-extended parses every bearer token four times per request (the unverified claims, the unverified
header, the verified claims, the header again), and PyJWT checks each base64 segment character by character
in Python: about a fifth of an authenticated request's CPU (bench/RESULTS.md). A client sends the same access
token for its whole lifetime, so the outcome of the signature check is remembered per process, keyed by the
exact token string (and the CSRF value and signing key it was checked with): any other string, a single
changed byte included, is checked in full. What can change over a token's life is checked on every request
all the same: the expiry here (with JWT_DECODE_LEEWAY), the session (revocation, deactivation, the absolute
lifetime, refresh rotation) in app.auth.tokens against PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app
from flask_jwt_extended import JWTManager, view_decorators
from flask_jwt_extended.utils import get_unverified_jwt_headers

#: Entries per process; when full it starts again empty (a cache miss only costs the full check).
MAX_TOKENS = 20_000
_EXTENSION = "kalendar_verified_tokens"


#: token string -> its header; read by flask-jwt-extended after the claims (and so the signature) were checked
_HEADERS: dict[str, dict[str, Any]] = {}


def _remembered_headers(encoded_token: str) -> dict[str, Any]:
    """`get_unverified_jwt_headers`, parsed once per token string (the header decides nothing on its own: the
    request reads it only after `decode_token` verified the token)."""
    header = _HEADERS.get(encoded_token)
    if header is None:
        header = get_unverified_jwt_headers(encoded_token)
        if len(_HEADERS) >= MAX_TOKENS:
            _HEADERS.clear()
        _HEADERS[encoded_token] = header
    return dict(header)


class VerifyingOnceJWTManager(JWTManager):
    def init_app(self, app: Flask, add_context_processor: bool = False) -> None:
        super().init_app(app, add_context_processor)
        # view_decorators parses every request's token header once more with PyJWT (base64 checked character by
        # character in Python: ~3% of an authenticated request); it imported the function by name, so it is
        # replaced there.
        view_decorators.get_unverified_jwt_headers = _remembered_headers

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        if allow_expired:  # logout's refresh token, the expired-token message: rare, checked in full
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        config = current_app.config
        verified: dict[tuple, dict[str, Any]] = current_app.extensions.setdefault(_EXTENSION, {})
        key = (encoded_token, csrf_value, config["JWT_SECRET_KEY"], config.get("JWT_DECODE_LEEWAY", 0))
        claims = verified.get(key)
        if claims is None or not _unexpired(claims, config.get("JWT_DECODE_LEEWAY", 0)):
            claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)  # raises if bad
            if len(verified) >= MAX_TOKENS:
                verified.clear()
            verified[key] = claims
        return dict(claims)  # callers get their own copy: nothing they do changes the remembered claims


def _unexpired(claims: dict[str, Any], leeway: Any) -> bool:
    """PyJWT's own rule: valid while now < exp + leeway (on the same clock)."""
    exp = claims.get("exp")
    if exp is None:
        return True
    seconds = leeway.total_seconds() if hasattr(leeway, "total_seconds") else float(leeway)
    return datetime.now(tz=UTC).timestamp() < exp + seconds
