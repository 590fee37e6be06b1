"""The API documentation pages' assets (vendored Swagger UI and ReDoc, see README.md) and their CSP.

flask-smorest renders `/docs` and `/redoc` from its own templates, pointing at OPENAPI_SWAGGER_UI_URL and
OPENAPI_REDOC_URL (here: this blueprint). Each page gets a Content-Security-Policy that allows scripts only
from this service plus the page's own inline script, by its SHA-256 hash (the template's configuration
block): nothing from another origin runs on the docs pages.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Blueprint, Flask, Response, request

DOC_PAGES = ("/docs", "/redoc")
ASSETS = "/docs-assets"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)

assets_bp = Blueprint("apidocs", __name__, static_folder="static", static_url_path=ASSETS)


def _hashes(html: bytes) -> str:
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'" for body in _INLINE_SCRIPT.findall(html)
    )


def docs_policy(html: bytes) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {_hashes(html)}".rstrip(),
            "style-src 'self' 'unsafe-inline'",  # both viewers set styles at run time; no script can
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",  # ReDoc's search index runs in a worker built from a blob
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def init_apidocs(app: Flask) -> None:
    app.register_blueprint(assets_bp)

    @app.after_request
    def docs_csp(response: Response) -> Response:
        if request.path in DOC_PAGES and response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = docs_policy(response.get_data())
        return response
