"""Feed tokens: create, rotate, revoke, and what /auth/me says about them."""

from urllib.parse import parse_qs, urlsplit

from app.calendar.models import CalendarFeed
from app.calendar.services import user_for_feed_token
from app.extensions import db

TOKEN = "/api/v1/calendar/feed-token"


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_create_returns_a_private_url(api, user):
    resp = api.post(TOKEN, user)
    assert resp.status_code == 200
    url = resp.json["url"]
    assert urlsplit(url).path == "/api/v1/calendar/feed.ics"
    token = token_of(url)
    assert len(token) >= 22  # >= 128 random bits, url-safe
    stored = db.session.query(CalendarFeed).one()
    assert token not in stored.token_hash
    assert user_for_feed_token(token).id == user.id
    assert api.get("/api/v1/auth/me", user).json["calendar_feed"] == {"active": True}


def test_rotate_kills_the_old_token(api, user):
    old = token_of(api.post(TOKEN, user).json["url"])
    new = token_of(api.post(TOKEN, user).json["url"])
    assert old != new
    assert user_for_feed_token(old) is None
    assert user_for_feed_token(new).id == user.id


def test_revoke(api, user):
    token = token_of(api.post(TOKEN, user).json["url"])
    assert api.delete(TOKEN, user).status_code == 204
    assert user_for_feed_token(token) is None
    assert api.get("/api/v1/auth/me", user).json["calendar_feed"] == {"active": False}


def test_tokens_are_per_user(api, user, other_user):
    mine = token_of(api.post(TOKEN, user).json["url"])
    theirs = token_of(api.post(TOKEN, other_user).json["url"])
    assert user_for_feed_token(mine).id == user.id
    assert user_for_feed_token(theirs).id == other_user.id
    api.delete(TOKEN, other_user)
    assert user_for_feed_token(mine).id == user.id


def test_needs_a_jwt(api):
    assert api.post(TOKEN).status_code == 401
    assert api.delete(TOKEN).status_code == 401


def test_public_url_setting_is_used(api, user, app):
    app.config["PUBLIC_URL"] = "https://kalendar.example.org"
    try:
        assert api.post(TOKEN, user).json["url"].startswith("https://kalendar.example.org/api/v1/calendar/feed.ics?")
    finally:
        app.config["PUBLIC_URL"] = ""
