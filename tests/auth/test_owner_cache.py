"""The token owner held in Redis (app/auth/owner_cache.py): a repeated access token runs no SQL, and every change
to what it describes is seen by the very next request, on any process, or is not written at all."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import request_started
from sqlalchemy import event, select, update

from app.auth import owner_cache
from app.auth.models import AuthSession, User
from app.auth.services import get_user_by_username, set_active
from app.extensions import db, redis_store
from app.notify.models import TelegramLink

ME = "/api/v1/auth/me"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(autouse=True)
def own_identity_map(app) -> Iterator[None]:
    """Each request starts with an empty identity map, as it does in production (here the requests share the
    test's session): a user must come from the cache entry, not from a previous request's instance."""

    def forget(_sender, **_extra):
        db.session.expunge_all()

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)


@pytest.fixture
def statements(app) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def warm(api, user) -> dict:
    """Two reads: the first fills the cache, the second must be served by it."""
    first = api.get(ME, user)
    assert first.status_code == 200, first.json
    return first.json


def test_a_repeated_token_runs_no_sql_and_answers_the_same(api, user, statements):
    cold = warm(api, user)
    assert statements  # the first read asked PostgreSQL
    statements.clear()
    hot = api.get(ME, user)
    assert hot.status_code == 200
    assert hot.json == cold
    assert statements == []


def test_the_password_hash_stays_in_postgresql(api, user, redis_client, statements):
    warm(api, user)
    entries = redis_client.hgetall(f"{owner_cache.USER_PREFIX}{user.id}")
    assert any(field.startswith(b"s:") for field in entries)
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert not any(stored.encode() in value for value in entries.values())
    body = {"old_password": "wrong-password-entirely", "new_password": "a-new-and-long-passphrase-7"}
    assert api.put("/api/v1/auth/me/password", user, json=body).status_code == 422  # read from PostgreSQL


def test_the_cache_is_per_session(api, user, statements):
    warm(api, user)
    again = api.login(user.username).json["access_token"]
    statements.clear()
    assert api.get(ME, headers=bearer(again)).status_code == 200
    assert statements  # a new session's first request is checked against PostgreSQL


def test_logout_is_refused_at_once(api, user):
    warm(api, user)
    assert api.post("/api/v1/auth/logout", user).status_code == 204
    assert api.get(ME, user).status_code == 401


def test_a_password_change_ends_the_other_sessions_at_once(api, user):
    other = api.login(user.username).json["access_token"]
    assert api.get(ME, headers=bearer(other)).status_code == 200
    assert api.get(ME, headers=bearer(other)).status_code == 200
    body = {"old_password": user.password, "new_password": "a-new-and-long-passphrase-7"}
    assert api.put("/api/v1/auth/me/password", user, json=body).status_code == 204
    assert api.get(ME, headers=bearer(other)).status_code == 401
    assert api.get(ME, user).status_code == 200  # the session that changed it stays


def test_deactivation_is_refused_at_once(api, user):
    warm(api, user)
    set_active(get_user_by_username(user.username), False)
    db.session.commit()
    assert api.get(ME, user).status_code == 401


def test_a_revocation_in_a_bulk_statement_is_seen(api, user):
    """Its rows' owners are not known: the global epoch ends every entry."""
    warm(api, user)
    db.session.execute(update(AuthSession).where(AuthSession.user_id == user.id).values(revoked_at=db.func.now()))
    db.session.commit()
    assert api.get(ME, user).status_code == 401


def test_a_bulk_change_of_another_user_reaches_this_one(api, user):
    warm(api, user)
    db.session.execute(update(User).where(User.id == user.id).values(first_name="Bulk"))
    db.session.commit()
    assert api.get(ME, user).json["first_name"] == "Bulk"


def test_profile_changes_are_seen_by_the_next_request(api, user):
    warm(api, user)
    changed = api.patch(ME, user, json={"timezone": "Asia/Tokyo", "first_name": "Alice"})
    assert changed.status_code == 200
    assert changed.json["timezone"] == "Asia/Tokyo"
    me = api.get(ME, user).json
    assert (me["timezone"], me["first_name"]) == ("Asia/Tokyo", "Alice")


def test_telegram_link_and_unlink_are_seen_by_the_next_request(api, user):
    assert warm(api, user)["telegram"]["linked"] is False
    db.session.add(TelegramLink(user_id=user.id, chat_id=4242, username="alice_tg"))
    db.session.commit()
    assert api.get(ME, user).json["telegram"] == {"linked": True, "username": "alice_tg"}
    assert api.delete("/api/v1/bot/link", user).status_code in (200, 204)
    assert api.get(ME, user).json["telegram"]["linked"] is False


def test_a_new_feed_is_seen_by_the_next_request(api, user):
    assert warm(api, user)["calendar_feed"]["active"] is False
    assert api.post("/api/v1/calendar/feed-token", user).status_code in (200, 201)
    assert api.get(ME, user).json["calendar_feed"]["active"] is True
    assert api.delete("/api/v1/calendar/feed-token", user).status_code in (200, 204)
    assert api.get(ME, user).json["calendar_feed"]["active"] is False


def test_a_change_between_the_read_and_the_store_refuses_the_store(app, user, redis_client):
    session_id = _session_of(user)
    with app.test_request_context():
        held = owner_cache.lookup(user.id, session_id)
        assert held.owner is None and held.epochs is not None
        redis_client.hincrby(f"{owner_cache.USER_PREFIX}{user.id}", "epoch", 1)  # another process's change
        owner_cache.store_owner(held, ["stale"])
        assert redis_client.hget(f"{owner_cache.USER_PREFIX}{user.id}", f"s:{session_id.hex}") is None
        held = owner_cache.lookup(user.id, session_id)
        redis_client.incr(owner_cache.GLOBAL_EPOCH)  # a bulk statement elsewhere
        owner_cache.store_owner(held, ["stale"])
        assert redis_client.hget(f"{owner_cache.USER_PREFIX}{user.id}", f"s:{session_id.hex}") is None
        held = owner_cache.lookup(user.id, session_id)
        owner_cache.store_owner(held, ["fresh"])  # nothing changed: it lands
        assert owner_cache.lookup(user.id, session_id).owner == ["fresh"]


def test_an_entry_past_its_max_age_is_a_miss(api, user, statements, monkeypatch, app):
    warm(api, user)
    clock = owner_cache.time.time
    monkeypatch.setattr(owner_cache.time, "time", lambda: clock() + app.config["AUTH_CACHE_MAX_AGE"] + 1)
    statements.clear()
    assert api.get(ME, user).status_code == 200
    assert statements


def test_a_refresh_leaves_the_other_sessions_hot(api, user, statements):
    other = api.login(user.username).json
    warm(api, user)
    refreshed = api.client.post("/api/v1/auth/refresh", headers=bearer(other["refresh_token"]))
    assert refreshed.status_code == 200
    statements.clear()
    assert api.get(ME, user).status_code == 200
    assert statements == []


@pytest.fixture
def redis_down(monkeypatch):
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(redis_store, "_client", dead)


def test_with_redis_down_tokens_are_checked_against_postgresql(api, user, redis_down):
    assert api.get(ME, user).status_code == 200
    assert api.patch(ME, user, json={"first_name": "Still"}).json["first_name"] == "Still"  # cosmetic: written


def test_a_revocation_written_while_redis_is_down_is_never_answered_from_the_cache(api, user, monkeypatch):
    """The logout is written (refusing it would keep the session live); the entry it could not end stays in
    Redis, and the process distrusts every entry once Redis answers again."""
    warm(api, user)
    live = redis_store.client
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(redis_store, "_client", dead)
    assert api.post("/api/v1/auth/logout", user).status_code == 204
    assert db.session.scalar(select(AuthSession.revoked_at).where(AuthSession.user_id == user.id)) is not None
    assert api.get(ME, user).status_code == 401
    monkeypatch.setattr(redis_store, "_client", live)
    assert live.hget(f"{owner_cache.USER_PREFIX}{user.id}", f"s:{_session_of(user).hex}") is not None
    assert api.get(ME, user).status_code == 401


def test_entries_are_stored_after_the_server_forgot_the_scripts(api, user, redis_client, statements):
    redis_client.script_flush()  # before the first store: its script is unknown too
    warm(api, user)
    assert redis_client.hget(f"{owner_cache.USER_PREFIX}{user.id}", f"s:{_session_of(user).hex}") is not None
    statements.clear()
    assert api.get(ME, user).status_code == 200
    assert statements == []


def _session_of(user) -> uuid.UUID:
    return db.session.scalar(select(AuthSession.id).where(AuthSession.user_id == user.id))


def test_a_restarted_redis_keeps_the_cache_working(api, user, redis_client, statements):
    """The read is sent on a pooled connection without the client's command layer: a connection the server
    dropped is retried on a new one, and a script the server forgot is sent again, both within the request."""
    warm(api, user)
    api.get(ME, user)  # the entry is in Redis now
    redis_client.script_flush()
    redis_client.client_kill_filter(_type="normal", skipme=True)
    statements.clear()
    hot = api.get(ME, user)
    assert hot.status_code == 200, hot.json
    assert statements == []
