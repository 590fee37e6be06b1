"""Login limits from the attacker's side (TestConfig: 5 wrong passwords per 15 minutes per (username, address)
and per address, a soft per-username ceiling of 20 that slows down, 30 successes per (username, address))."""

import time
from datetime import timedelta

import pytest
import redis

from app.auth.models import AuthSession
from app.auth.services import prune_sessions
from app.common.timeutil import utcnow
from app.extensions import db, redis_store
from tests.factories import DEFAULT_PASSWORD

LOGIN = "/api/v1/auth/login"


def login_from(api, address: str, username: str, password: str = DEFAULT_PASSWORD, **headers):
    return api.client.post(
        LOGIN, json={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}, headers=headers
    )


@pytest.fixture
def limits(app):
    saved = dict(app.config)
    yield app.config
    for key in ("RATELIMIT_LOGIN_SUCCESS", "RATELIMIT_SIGNUP", "TRUSTED_PROXIES", "RATELIMIT_PASSWORD_CHANGE"):
        app.config[key] = saved[key]


def test_wrong_passwords_from_one_address_lock_that_address_for_that_name(api):
    api.signup("alice")
    for _ in range(5):
        assert login_from(api, "10.0.0.1", "alice", "wrong-password").status_code == 401
    resp = login_from(api, "10.0.0.1", "alice")  # even the right password waits now, from there
    assert resp.status_code == 429
    assert resp.json["code"] == 429 and resp.json["status"] == "Too Many Requests"
    assert 0 < int(resp.headers["Retry-After"]) <= 15 * 60
    assert login_from(api, "10.0.0.2", "alice").status_code == 200  # the owner, elsewhere


def test_a_flood_from_many_addresses_never_locks_the_owner_out(api, app):
    """Targeted lockout: 25 wrong passwords for alice from 25 addresses, past the per-name ceiling."""
    api.signup("alice")
    for i in range(25):
        assert login_from(api, f"198.51.100.{i}", "alice", "wrong-password").status_code == 401
    started = time.monotonic()
    resp = login_from(api, "192.0.2.7", "alice")
    assert resp.status_code == 200
    # ...but past the ceiling every attempt for the name is slowed down
    assert time.monotonic() - started >= app.config["LOGIN_SLOWDOWN_SECONDS"]


def test_below_the_ceiling_logins_are_not_slowed(api, app):
    api.signup("alice")
    for i in range(3):
        login_from(api, f"198.51.100.{i}", "alice", "wrong-password")
    started = time.monotonic()
    assert login_from(api, "192.0.2.7", "alice").status_code == 200
    assert time.monotonic() - started < app.config["LOGIN_SLOWDOWN_SECONDS"]


def test_an_address_spraying_usernames_is_limited(api):
    for i in range(5):
        assert login_from(api, "10.0.0.9", f"ghost{i}", "wrong-password").status_code == 401
    assert login_from(api, "10.0.0.9", "ghost-next", "wrong-password").status_code == 429


def test_other_addresses_are_not_locked_out_by_one_address(api):
    api.signup("alice")
    for i in range(5):
        login_from(api, "10.0.0.9", f"x{i}", "bad-password")
    assert login_from(api, "127.0.0.1", "alice").status_code == 200


def test_failed_login_budget_is_not_spent_by_correct_passwords(api):
    api.signup("alice")
    for _ in range(8):
        assert login_from(api, "10.0.0.1", "alice").status_code == 200
    for _ in range(5):
        assert login_from(api, "10.0.0.1", "alice", "wrong-password").status_code == 401


def test_successful_logins_are_limited_per_name_and_address(api, limits):
    api.signup("alice")
    limits["RATELIMIT_LOGIN_SUCCESS"] = "3/15minute"
    for _ in range(3):
        assert login_from(api, "10.0.0.1", "alice").status_code == 200
    assert login_from(api, "10.0.0.1", "alice").status_code == 429
    assert login_from(api, "10.0.0.2", "alice").status_code == 200


def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_budget(api, limits):
    """Production: every request comes from the proxy's address; X-Forwarded-For tells the clients apart."""
    api.signup("alice")
    limits["TRUSTED_PROXIES"] = 1
    for i in range(5):
        assert login_from(api, "10.9.9.9", f"x{i}", "bad", **{"X-Forwarded-For": "203.0.113.5"}).status_code == 401
    assert login_from(api, "10.9.9.9", "y", "bad", **{"X-Forwarded-For": "203.0.113.5"}).status_code == 429
    ok = login_from(api, "10.9.9.9", "alice", **{"X-Forwarded-For": "203.0.113.77"})
    assert ok.status_code == 200
    # a client cannot prepend an address of its choice: only the proxy's own (last) entry is trusted
    spoof = login_from(api, "10.9.9.9", "z", "bad", **{"X-Forwarded-For": "1.2.3.4, 203.0.113.5"})
    assert spoof.status_code == 429


def test_without_trusted_proxies_forwarded_for_is_ignored(api, limits):
    limits["TRUSTED_PROXIES"] = 0
    for i in range(5):
        login_from(api, "10.0.0.3", f"x{i}", "bad", **{"X-Forwarded-For": f"203.0.113.{i}"})
    resp = login_from(api, "10.0.0.3", "y", "bad", **{"X-Forwarded-For": "203.0.113.200"})
    assert resp.status_code == 429


def test_signup_is_limited_per_forwarded_client(api, limits):
    limits["RATELIMIT_SIGNUP"] = "2/hour"
    limits["TRUSTED_PROXIES"] = 1

    def signup(name, client):
        body = {"username": name, "password": DEFAULT_PASSWORD, "password_repeat": DEFAULT_PASSWORD}
        return api.client.post(
            "/api/v1/auth/signup",
            json=body,
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
            headers={"X-Forwarded-For": client},
        )

    assert signup("a1", "203.0.113.1").status_code == 201
    assert signup("a2", "203.0.113.1").status_code == 201
    resp = signup("a3", "203.0.113.1")
    assert resp.status_code == 429 and "Retry-After" in resp.headers
    assert signup("a4", "203.0.113.2").status_code == 201


def test_wrong_current_password_is_limited_like_login(api, user):
    """A stolen access token is not a password oracle: 5 wrong guesses, then 429 even for the right one."""
    url = "/api/v1/auth/me/password"
    for i in range(5):
        resp = api.put(url, user, json={"old_password": f"guess-{i}-x", "new_password": "a-new-passphrase-1"})
        assert resp.status_code == 422 and "old_password" in resp.json["errors"]["json"]
    resp = api.put(url, user, json={"old_password": user.password, "new_password": "a-new-passphrase-1"})
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0


def test_right_current_password_does_not_spend_the_budget(api, user, limits):
    limits["RATELIMIT_PASSWORD_CHANGE"] = "2/15minute"
    url = "/api/v1/auth/me/password"
    old = user.password
    for i in range(3):
        new = f"a-new-passphrase-{i}"
        assert api.put(url, user, json={"old_password": old, "new_password": new}).status_code == 204
        old = new


def test_login_prunes_long_ended_sessions_and_the_job_prunes_everyone(api, app):
    alice = api.signup_and_login("alice")
    bob = api.signup_and_login("bob")
    long_ago = utcnow() - timedelta(seconds=app.config["AUTH_SESSION_KEEP"] + 60)
    for user_id in (alice.id, bob.id):
        db.session.add(AuthSession(user_id=user_id, refresh_jti="x", revoked_at=long_ago))
        db.session.add(AuthSession(user_id=user_id, refresh_jti="y", revoked_at=utcnow()))  # recent: kept
        db.session.add(
            AuthSession(user_id=user_id, refresh_jti="z", created_at=long_ago - timedelta(days=400))  # expired
        )
    db.session.commit()

    def count(user_id):
        return db.session.scalar(db.select(db.func.count()).where(AuthSession.user_id == user_id))

    assert count(alice.id) == 4
    assert api.login("alice").status_code == 200
    assert count(alice.id) == 3  # the two ended ones gone, the recent revoked one and two live ones stay
    assert count(bob.id) == 4
    assert prune_sessions() == 2
    assert count(bob.id) == 2


def test_with_redis_down_limits_are_counted_in_the_process(api, monkeypatch):
    """An outage neither locks everyone out nor lets guesses through unlimited."""
    api.signup("alice")
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(redis_store, "_client", dead)
    assert login_from(api, "10.4.4.4", "alice").status_code == 200
    for _ in range(5):
        assert login_from(api, "10.4.4.4", "alice", "wrong-password").status_code == 401
    assert login_from(api, "10.4.4.4", "alice").status_code == 429


def test_a_limited_route_says_its_limit_and_others_say_nothing(api, user):
    """flask-limiter's after-request hook runs only for a request that checked a limit (RouteLimiter): the
    limited signup still reports where it stands, an unlimited request carries no rate-limit header."""
    body = {"username": "limited", "password": DEFAULT_PASSWORD, "password_repeat": DEFAULT_PASSWORD}
    signup = api.client.post("/api/v1/auth/signup", json=body, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert signup.status_code == 201, signup.json
    assert int(signup.headers["X-RateLimit-Limit"]) > 0
    assert int(signup.headers["X-RateLimit-Remaining"]) == int(signup.headers["X-RateLimit-Limit"]) - 1
    for resp in (api.get("/api/v1/auth/me", user), api.client.get("/healthz")):
        assert resp.status_code == 200
        assert not [name for name in resp.headers.keys() if name.lower().startswith("x-ratelimit")]
