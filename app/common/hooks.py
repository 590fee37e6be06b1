"""Request-wide hooks: security headers, NUL refusal, a session teardown that survives a dead database, and a
cookie session that costs nothing when the request carries no cookie."""

from __future__ import annotations

import logging

from flask import Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from sqlalchemy.exc import SQLAlchemyError

from app.errors import error_response
from app.extensions import db

log = logging.getLogger(__name__)


def install_request_hooks(app: Flask) -> None:
    _install_security_headers(app)
    _install_nul_guard(app)
    _install_safe_session_teardown(app)
    app.session_interface = CookieOnDemandSessionInterface()


class CookieOnDemandSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without its per-request signer when there is no cookie to read.

    Flask builds an itsdangerous serializer (HMAC key derivation included) for every request it opens a session
    for: ~3% of an API request, and API requests carry a bearer token, not the session cookie (only the VK
    sign-in and the admin use it). Without the cookie the session is new and empty either way; saving one still
    signs it as Flask does.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def _install_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        # Each `setdefault` scans the headers case-folding every name: one scan for the three.
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
        for name, value in _SECURITY_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        return response


_SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)


def _install_nul_guard(app: Flask) -> None:
    """PostgreSQL text cannot hold NUL: refuse it in the query string and path up front (422), never a 500."""

    @app.before_request
    def refuse_nul():
        # A NUL reaches the arguments only percent-encoded (or raw) in the query string, and the path's values
        # only through the decoded path: two byte searches spare every other request the parsing of its query.
        query = request.query_string
        if b"%00" not in query and b"\x00" not in query and "\x00" not in request.path:
            return None
        bad = sorted({key for key, value in request.args.items(multi=True) if "\x00" in key or "\x00" in value})
        bad_path = sorted(k for k, v in (request.view_args or {}).items() if isinstance(v, str) and "\x00" in v)
        if bad or bad_path:
            message = ["Must not contain NUL characters."]
            errors = {"query": {key.replace("\x00", ""): message for key in bad}} if bad else {}
            if bad_path:
                errors["path"] = {key: message for key in bad_path}
            return error_response(422, "Validation failed.", errors)
        return None


def _install_safe_session_teardown(app: Flask) -> None:
    """Close the request's session without letting a dead database turn a finished response into a bare 500.

    When PostgreSQL restarts, the rollback on session close can fail on a severed connection; raised from
    teardown, that error escapes Flask and gunicorn answers an empty 500. Runs before Flask-SQLAlchemy's own
    teardown (Flask runs teardowns last-registered first), which then finds nothing left to close.
    """

    @app.teardown_appcontext
    def remove_session(_exc):
        try:
            db.session.remove()
        except SQLAlchemyError as error:  # the connection is invalidated by SQLAlchemy; the pool replaces it
            log.warning("session close failed: %s", error.__class__.__name__)
            db.session.registry.clear()
