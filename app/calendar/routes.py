"""Private iCalendar feed: a token in the URL is the credential (calendar apps cannot send headers)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Response, current_app, request
from flask.views import MethodView
from flask_jwt_extended import jwt_required
from werkzeug.http import http_date

from app.auth.current import current_user
from app.calendar import schemas, services
from app.common.blueprint import Blueprint
from app.common.timeutil import utcnow
from app.extensions import db, limiter

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


def _feed_key() -> str:
    # Per token, by its hash (never the token itself in Redis); every missing-token request shares one key.
    token = request.args.get("token", "")
    return f"feed:{services.token_digest(token[:128])}" if token else "feed:-"


def _uid_domain() -> str:
    """The right-hand side of every UID: the configured public host, else a constant (the request's Host
    varies between clients and would change every UID)."""
    return urlsplit(current_app.config.get("PUBLIC_URL") or "").hostname or "kalendar"


FEED_DESCRIPTION = (
    "iCalendar (RFC 5545) feed for calendar apps; no JWT, the `token` from the subscription URL is the "
    "credential (unknown, missing or revoked → 404). Goals: every non-archived goal with a due date on the "
    "boards I take part in (not only the ones I wrote), as all-day events. Tasks: tasks assigned to me with "
    "a deadline (done ones too), starting at the deadline (UTC) and lasting 30 minutes. Habits: my useful "
    "(not pleasant) habits, recurring every `periodicity_days` at their local time in my time zone. "
    "Strong `ETag` and `Last-Modified`; `If-None-Match` (or, without it, `If-Modified-Since`) answers 304. "
    "`Cache-Control: private, max-age=300`: personal data stays out of shared caches, and a client reuses "
    "its copy for at most 5 minutes (how long a revoked URL can live in a client's cache)."
)


@blp.route("/feed.ics")
class FeedView(MethodView):
    decorators = [
        limiter.limit(lambda: current_app.config["RATELIMIT_FEED"], key_func=_feed_key, scope="calendar-feed")
    ]

    @blp.doc(
        security=[],
        description=FEED_DESCRIPTION,
        responses={
            "200": {
                "description": "The calendar",
                "headers": {"ETag": {"schema": {"type": "string"}}, "Last-Modified": {"schema": {"type": "string"}}},
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        },
    )
    @blp.arguments(schemas.FeedQuerySchema, location="query")
    @blp.alt_response(304, description="Not modified since the copy the client holds")
    @blp.alt_response(404, description="Unknown, missing or revoked token")
    @blp.alt_response(429, description="Too many requests for this feed (see Retry-After)")
    def get(self, query):
        """My goals, tasks and habits as an iCalendar feed"""
        feed = services.render_feed(query["token"], query["include"], _uid_domain())
        db.session.commit()
        headers = {
            "ETag": f'"{feed.etag}"',
            "Last-Modified": http_date(feed.last_modified),
            "Cache-Control": "private, max-age=300",
        }
        if _not_modified(feed):
            return Response(status=304, headers=headers)
        return Response(feed.body, status=200, headers=headers, content_type="text/calendar; charset=utf-8")


def _not_modified(feed: services.RenderedFeed) -> bool:
    """If-None-Match decides when sent (weak comparison, RFC 9110 13.1.2); If-Modified-Since only without it.

    HTTP dates have whole seconds: a Last-Modified less than a second old is a weak validator
    (RFC 9110 8.8.2.2) since another change may follow within the same second, so it never earns a 304.
    """
    if request.if_none_match:
        return request.if_none_match.contains_weak(feed.etag)
    since = request.if_modified_since
    if since is None or utcnow() - feed.last_modified < timedelta(seconds=1):
        return False
    return feed.last_modified.replace(microsecond=0) <= since
