"""Private iCalendar feed: a token in the URL is the credential (calendar apps cannot send headers)."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from app.calendar import schemas, services
from app.extensions import db

blp = Blueprint("calendar", __name__, url_prefix="/api/v1/calendar", description="Private iCalendar feed")


def _base_url() -> str:
    return current_app.config.get("PUBLIC_URL") or request.host_url


@blp.route("/feed-token")
class FeedTokenView(MethodView):
    @jwt_required()
    @blp.response(200, schemas.FeedUrlSchema)
    def post(self):
        """Create or rotate my feed URL (the previous URL stops working at once)"""
        url = services.rotate_feed_token(current_user, _base_url())
        db.session.commit()
        return {"url": url}

    @jwt_required()
    @blp.response(204)
    def delete(self):
        """Revoke my feed URL"""
        services.revoke_feed_token(current_user)
        db.session.commit()
