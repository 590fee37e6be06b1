"""WebSockets, pub/sub and presence."""

from __future__ import annotations

from flask import Flask


def init_realtime(app: Flask) -> None:
    """Register the WebSocket routes (plain Flask routes: they are not part of the OpenAPI spec)."""
    from app.realtime.routes import ws_bp

    app.register_blueprint(ws_bp)
