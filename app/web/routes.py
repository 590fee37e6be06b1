"""Serve the web client: one HTML shell for every client route, and its modules under a content digest.

Assets live at `/assets/<digest>/...`, where the digest covers every file of `static/`: relative imports between
modules keep working, and any change to any file moves every URL, so browsers may cache them for a year.
The client's routes are listed explicitly, so every other path (unknown `/api/...` included) keeps the API's
JSON 404.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_from_directory

from app.common.origins import socket_origins

STATIC = Path(__file__).resolve().parent / "static"
LANGUAGES = ("en", "ru")
#: The client-side routes (app/web/static/router.js knows the same screens).
CLIENT_ROUTES = (
    "/",
    "/signin",
    "/signup",
    "/today",
    "/goals",
    "/goals/<int:goal_id>",
    "/habits",
    "/teams",
    "/teams/<int:team_id>",
    "/profile",
)
YEAR = 365 * 24 * 3600

bp = Blueprint("web", __name__, template_folder="templates")


def _files() -> list[Path]:
    return sorted(p for p in STATIC.rglob("*") if p.is_file())


def _compute_digest() -> str:
    sha = hashlib.sha256()
    for path in _files():
        sha.update(path.relative_to(STATIC).as_posix().encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()[:16]


_digest_once = cache(_compute_digest)


def digest() -> str:
    """Computed once per process; in debug on every call, so edited files show up at the next reload."""
    return _compute_digest() if current_app.debug else _digest_once()


def modules() -> list[str]:
    """The modules of a first visit, preloaded by the shell so the browser fetches them in parallel (the other
    languages' tables load only when chosen: i18n.js imports them on demand)."""
    found = [p.relative_to(STATIC).as_posix() for p in _files() if p.suffix == ".js"]
    return [m for m in found if not m.startswith("i18n/") or m == "i18n/en.js"]


def content_security_policy() -> str:
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self' " + " ".join(socket_origins()),
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


@bp.after_request
def client_headers(response):
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return response


def shell(**_route_args):
    """The HTML shell; the client reads the path and draws the screen."""
    lang = request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
    html = render_template("web/shell.html", lang=lang, assets=f"/assets/{digest()}", modules=modules())
    return html, 200, {"Cache-Control": "no-cache", "Content-Type": "text/html; charset=utf-8"}


for _rule in CLIENT_ROUTES:
    bp.add_url_rule(_rule, endpoint="shell", view_func=shell)  # one endpoint, many rules


@bp.route("/assets/<version>/<path:filename>")
def asset(version: str, filename: str):
    """A static file; immutable under the current digest, revalidated (ETag) under any older one."""
    current = version == digest()
    response = send_from_directory(STATIC, filename, max_age=YEAR if current else 0)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if current else "no-cache"
    return response
