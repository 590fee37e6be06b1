"""The web client's refresh token: an HttpOnly, SameSite=Strict cookie limited to the auth paths.

Page script never sees the refresh token; it holds only the short-lived access token in memory. Requests that
the cookie authenticates (refresh) must carry the custom header `X-Kalendar-Client: web` and an Origin of this
service: a cross-site page can neither send that header without a CORS preflight we refuse, nor forge Origin.
Bearer clients are unaffected: they never send the header and get both tokens in the body as before.
"""

from __future__ import annotations

from flask import after_this_request, current_app, request

from app.common.origins import is_own_origin
from app.errors import Forbidden

CLIENT_HEADER = "X-Kalendar-Client"
CLIENT_VALUE = "web"


def is_web_client() -> bool:
    """The request says it comes from Kalendar's own web client (and so wants the cookie, not a body token)."""
    return request.headers.get(CLIENT_HEADER) == CLIENT_VALUE


def require_same_origin() -> None:
    """Refuse a cookie-mode request that lacks the client header or comes from another origin (CSRF)."""
    if not is_web_client() or not is_own_origin(request.headers.get("Origin")):
        raise Forbidden("The refresh cookie is only accepted from this service's own web client.")


def _secure() -> bool:
    return request.is_secure or current_app.config.get("PUBLIC_URL", "").startswith("https://")


def _name_and_path() -> tuple[str, str]:
    """The cookie's name and path: the same config flask-jwt-extended reads it with on /auth/refresh."""
    return current_app.config["JWT_REFRESH_COOKIE_NAME"], current_app.config["JWT_REFRESH_COOKIE_PATH"]


def cookie_refresh_token() -> str | None:
    return request.cookies.get(_name_and_path()[0]) or None


def hand_over(tokens: dict[str, str]) -> dict[str, str]:
    """For the web client: move the refresh token into the cookie and out of the body. Others: unchanged."""
    if not is_web_client():
        return tokens
    refresh = tokens["refresh_token"]
    set_cookie_after_request(refresh)
    return {key: value for key, value in tokens.items() if key != "refresh_token"}


def set_cookie_after_request(refresh_token: str) -> None:
    max_age = current_app.config["JWT_REFRESH_TTL"]
    name, path = _name_and_path()
    secure = _secure()

    @after_this_request
    def _set(response):
        response.set_cookie(
            name,
            refresh_token,
            max_age=max_age,
            path=path,
            secure=secure,
            httponly=True,
            samesite="Strict",
        )
        response.headers["Cache-Control"] = "no-store"
        return response


def clear_cookie_after_request() -> None:
    name, path = _name_and_path()
    secure = _secure()

    @after_this_request
    def _clear(response):
        response.delete_cookie(name, path=path, secure=secure, httponly=True, samesite="Strict")
        return response
