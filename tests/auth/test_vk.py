"""Sign in with VK, end to end against the fake VK provider (real HTTP): our side through the Flask test
client, VK's side through `requests`, no browser."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests
from sqlalchemy import func, select

from app.auth.models import SocialAccount, User
from app.auth.signals import user_created
from app.extensions import db, redis_store
from fakes.vk import FakeVK
from tests.processes import free_port, port_open, running

FRONTEND = "https://app.example.test"
LOGIN = "/api/v1/auth/vk/login"
LINK = "/api/v1/auth/vk/link"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def vk_server() -> Iterator[FakeVK]:
    with FakeVK(client_id="test-vk-client", client_secret="test-vk-secret", timeout_delay=1.5) as server:
        yield server


@pytest.fixture
def vk(app, vk_server: FakeVK) -> Iterator[FakeVK]:
    """The fake with a clean script, and the app's VK settings pointing at it (restored afterwards)."""
    vk_server.users.clear()
    vk_server.grants.clear()
    vk_server.tokens.clear()
    vk_server.requests.clear()
    vk_server.reset_failures()
    vk_server.current_user_id = None
    vk_server.add_user(1, "Pavel", "Durov", screen_name="durov", email="pavel@example.test")
    vk_server.login_as(1)
    overrides = {
        "VK_AUTHORIZE_URL": vk_server.authorize_url,
        "VK_TOKEN_URL": vk_server.token_url,
        "VK_API_URL": vk_server.api_url,
        "VK_TIMEOUT": 0.5,
    }
    saved = {key: app.config.get(key) for key in overrides}
    app.config.update(overrides)
    try:
        yield vk_server
    finally:
        for key, value in saved.items():
            if value is None:
                app.config.pop(key, None)
            else:
                app.config[key] = value


def start(client, next_url: str | None = None) -> str:
    resp = client.get(LOGIN, query_string={"next": next_url} if next_url else None)
    assert resp.status_code == 302, resp.json
    return resp.headers["Location"]


def open_ticket(client, url: str) -> str:
    """The client opens the one-time link URL in the browser: it binds the flow and goes on to VK."""
    parts = urlsplit(url)
    resp = client.get(parts.path, query_string=parts.query)
    assert resp.status_code == 302, resp.json
    return resp.headers["Location"]


def through_vk(authorize_url: str) -> str:
    """What the browser does at VK: the fake "approves" and sends it back to our callback."""
    resp = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert resp.status_code == 302, resp.text
    return resp.headers["Location"]


def come_back(client, callback_url: str, json: bool = True):
    parts = urlsplit(callback_url)
    return client.get(parts.path, query_string=parts.query, headers=JSON if json else {})


def vk_login(client, next_url: str | None = None, json: bool = True):
    return come_back(client, through_vk(start(client, next_url)), json)


def fragment(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# -- the happy paths -------------------------------------------------------------------------------------
def test_login_redirects_to_vk_with_state_pkce_and_email_scope(client, vk, redis_client):
    location = start(client)
    assert location.startswith(vk.authorize_url + "?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert params["client_id"] == "test-vk-client"
    assert params["response_type"] == "code"
    assert params["scope"] == "email"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["redirect_uri"] == "http://localhost/api/v1/auth/vk/callback"
    key = f"vk:oauth-state:{params['state']}"
    assert 0 < redis_client.ttl(key) <= 600
    cookie = client.get(LOGIN).headers["Set-Cookie"]  # the state lives in Redis, bound to this browser's cookie
    assert cookie.startswith("kalendar_vk_state=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/api/v1/auth/vk" in cookie


def test_new_user_is_created_once_and_found_again(client, vk):
    created = []
    receiver = lambda _sender, user: created.append(user.id)  # noqa: E731
    user_created.connect(receiver)
    try:
        first = vk_login(client)
        second = vk_login(client)
    finally:
        user_created.disconnect(receiver)
    assert first.status_code == 200, first.json
    body = first.json
    assert set(body) == {"access_token", "refresh_token", "user"}
    assert body["user"]["username"] == "durov"
    assert body["user"]["email"] == "pavel@example.test"
    assert (body["user"]["first_name"], body["user"]["last_name"]) == ("Pavel", "Durov")
    assert body["user"]["timezone"] == "Europe/Moscow"
    assert created == [body["user"]["id"]]  # signup's extras (the personal board) come through the signal
    assert second.status_code == 200
    assert second.json["user"]["id"] == body["user"]["id"]
    assert count(User, func.lower(User.username).like("durov%")) == 1
    assert count(SocialAccount, SocialAccount.provider_user_id == "1") == 1
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second.json['access_token']}"})
    assert me.status_code == 200 and me.json["username"] == "durov"
    # the API version goes with every VK API call
    assert all(params.get("v") for path, params in vk.requests if path.startswith("/method/"))


def test_vk_user_without_a_password_cannot_log_in_with_one(client, vk, api):
    assert vk_login(client).status_code == 200
    assert api.login("durov", "").status_code in (401, 422)
    assert api.login("durov", "anything-at-all").status_code == 401


def test_redirect_mode_puts_tokens_in_the_fragment_of_next(client, vk):
    resp = vk_login(client, next_url=f"{FRONTEND}/goals?tab=open", json=False)
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith(f"{FRONTEND}/goals?tab=open#")
    tokens = fragment(location)
    assert set(tokens) == {"access_token", "refresh_token"}
    assert resp.headers["Cache-Control"] == "no-store"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json["username"] == "durov"
    refreshed = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert refreshed.status_code == 200


def test_default_next_is_the_frontend(client, vk):
    resp = vk_login(client, json=False)
    assert resp.headers["Location"].startswith(FRONTEND + "#access_token=")


def test_missing_email_creates_the_user_without_one(client, vk):
    vk.add_user(7, "Anna", "Ivanova", screen_name="anna", email=None)
    vk.login_as(7)
    resp = vk_login(client)
    assert resp.status_code == 200
    assert resp.json["user"]["username"] == "anna"
    assert resp.json["user"]["email"] == ""


def test_screen_name_taken_in_another_case_gets_a_numeric_suffix(client, vk, api):
    api.signup_and_login("Durov")
    api.signup_and_login("DUROV1")
    resp = vk_login(client)
    assert resp.status_code == 200
    assert resp.json["user"]["username"] == "durov2"


def test_default_vk_screen_name_becomes_vk_id(client, vk):
    vk.add_user(4242, "Oleg", "Sidorov", screen_name="id4242", email="oleg@example.test")
    vk.login_as(4242)
    assert vk_login(client).json["user"]["username"] == "vk4242"


def test_disabled_account_cannot_sign_in_with_vk(client, vk):
    user_id = vk_login(client).json["user"]["id"]
    db.session.get(User, user_id).is_active = False
    db.session.flush()
    resp = vk_login(client)
    assert resp.status_code == 401
    assert "access_token" not in resp.json


# -- linking ---------------------------------------------------------------------------------------------
def test_link_vk_to_my_account(client, vk, api):
    alice = api.signup_and_login("alice")
    resp = api.post(LINK, alice, json={"next": f"{FRONTEND}/settings"})
    assert resp.status_code == 200, resp.json
    assert resp.json["url"].startswith("http://localhost/api/v1/auth/vk/login?ticket=")
    assert alice.access_token not in resp.json["url"]
    linked = come_back(client, through_vk(open_ticket(client, resp.json["url"])), json=False)
    assert linked.headers["Location"].startswith(f"{FRONTEND}/settings#access_token=")
    assert count(SocialAccount, SocialAccount.user_id == alice.id) == 1
    again = vk_login(client)  # from now on VK signs in as alice, no new user
    assert again.json["user"]["id"] == alice.id
    assert count(User) == 1
    assert api.post(LINK, alice).status_code == 409  # one VK account per user


def test_linking_a_vk_account_of_another_user_is_a_conflict(client, vk, api):
    owner_id = vk_login(client).json["user"]["id"]
    alice = api.signup_and_login("alice")
    url = api.post(LINK, alice).json["url"]
    resp = come_back(client, through_vk(open_ticket(client, url)))
    assert resp.status_code == 409
    assert resp.json["code"] == 409 and "access_token" not in resp.json
    assert count(SocialAccount, SocialAccount.user_id == alice.id) == 0
    assert db.session.scalar(select(SocialAccount.user_id).where(SocialAccount.provider_user_id == "1")) == owner_id
    redirected = come_back(client, through_vk(open_ticket(client, api.post(LINK, alice).json["url"])), json=False)
    assert fragment(redirected.headers["Location"])["error"] == "conflict"


def test_link_needs_a_token_and_a_safe_next(client, vk, api):
    assert client.post(LINK).status_code == 401
    alice = api.signup_and_login("alice")
    resp = api.post(LINK, alice, json={"next": "https://evil.com/"})
    assert resp.status_code == 400
    assert "next" in resp.json["errors"]["json"]


# -- state and code ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        {"code": "abc", "state": "forged"},
        {"code": "abc"},
        {"code": "abc", "state": "x" * 200},
    ],
)
def test_bad_state_is_rejected(client, vk, query):
    start(client)
    for headers in (JSON, {}):
        resp = client.get("/api/v1/auth/vk/callback", query_string=query, headers=headers)
        assert resp.status_code == 400
        assert resp.json["code"] == 400 and "state" in resp.json["message"]
    assert count(User) == 0


def test_replayed_callback_is_rejected(client, vk):
    callback = through_vk(start(client))
    assert come_back(client, callback).status_code == 200
    replay = come_back(client, callback)
    assert replay.status_code == 400
    assert "state" in replay.json["message"]


def test_code_used_twice_is_rejected(client, vk):
    first = through_vk(start(client))
    assert come_back(client, first).status_code == 200
    code = parse_qs(urlsplit(first).query)["code"][0]
    fresh_state = parse_qs(urlsplit(start(client)).query)["state"][0]
    resp = client.get("/api/v1/auth/vk/callback", query_string={"code": code, "state": fresh_state}, headers=JSON)
    assert resp.status_code == 400
    assert "code" in resp.json["message"]


def test_the_state_is_bound_to_its_own_pkce_verifier(client, vk):
    """A code obtained in one flow cannot be redeemed through another flow's state."""
    stolen = through_vk(start(client))
    code = parse_qs(urlsplit(stolen).query)["code"][0]
    other_state = parse_qs(urlsplit(start(client)).query)["state"][0]
    resp = client.get("/api/v1/auth/vk/callback", query_string={"code": code, "state": other_state}, headers=JSON)
    assert resp.status_code == 400
    assert count(User) == 0


# -- VK failures ---------------------------------------------------------------------------------------
def test_denied_consent(client, vk):
    vk.fail("authorize", "deny")
    resp = vk_login(client)
    assert resp.status_code == 400
    assert resp.json["message"] == "VK sign-in was cancelled."
    redirected = vk_login(client, next_url=f"{FRONTEND}/login", json=False)
    assert redirected.status_code == 302
    assert redirected.headers["Location"].startswith(f"{FRONTEND}/login#")
    assert fragment(redirected.headers["Location"])["error"] == "access_denied"
    assert count(User) == 0


def test_denied_consent_uses_up_the_state(client, vk):
    vk.fail("authorize", "deny")
    callback = through_vk(start(client))
    assert come_back(client, callback).status_code == 400
    assert "state" in come_back(client, callback).json["message"]


@pytest.mark.parametrize(
    ("endpoint", "mode"),
    [
        ("token", "http500"),
        ("token", "error"),
        ("token", "timeout"),
        ("api", "http500"),
        ("api", "error"),
        ("api", "timeout"),
    ],
)
def test_vk_failures_are_502_and_create_nobody(client, vk, endpoint, mode):
    vk.fail(endpoint, mode)
    resp = vk_login(client)
    assert resp.status_code == 502, resp.json
    assert resp.json["code"] == 502 and resp.json["status"] == "Bad Gateway"
    assert "VK" in resp.json["message"]
    assert count(User) == 0 and count(SocialAccount) == 0


def test_vk_error_body_message_is_passed_on(client, vk):
    vk.fail("api", "error")
    assert "scripted failure" in vk_login(client).json["message"]


def test_vk_down_is_502(client, vk, app):
    callback = through_vk(start(client))
    app.config["VK_TOKEN_URL"] = f"http://127.0.0.1:{free_port()}/access_token"
    resp = come_back(client, callback)
    assert resp.status_code == 502
    assert count(User) == 0


def test_vk_failure_in_redirect_mode_goes_back_to_next_with_an_error(client, vk):
    vk.fail("token", "http500")
    resp = vk_login(client, next_url=f"{FRONTEND}/login", json=False)
    assert resp.status_code == 302
    error = fragment(resp.headers["Location"])
    assert error["error"] == "vk_unavailable"
    assert "access_token" not in error
    assert count(User) == 0


# -- open redirect -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.com/",
        "//evil.com",
        "https://app.example.test.evil.com/",
        "http://app.example.test/",
        "https://app.example.test:8443/",
        "https://app.example.test@evil.com/",
        "https://evil.com@app.example.test/",
        "javascript:alert(1)",
        "/\\evil.com",
        "https:\\\\evil.com",
        " https://evil.com",
        "/goals",
    ],
)
def test_next_must_be_on_the_frontend(client, vk, next_url):
    resp = client.get(LOGIN, query_string={"next": next_url})
    assert resp.status_code == 400
    assert resp.json["code"] == 400
    assert "next" in resp.json["errors"]["query"]
    assert "Location" not in resp.headers


def test_next_with_default_port_and_its_own_fragment_is_accepted(client, vk):
    resp = vk_login(client, next_url=f"{FRONTEND}:443/x#old", json=False)
    assert resp.headers["Location"].startswith(f"{FRONTEND}:443/x#access_token=")


# -- Redis down ----------------------------------------------------------------------------------------
def test_redis_down_answers_503_and_writes_nothing(client, vk, monkeypatch):
    """The state lives only in Redis: without it a sign-in cannot start or finish, and says so (no 500)."""
    location = start(client)
    callback = through_vk(location)
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(redis_store, "_client", dead)
    users = count(User)
    refused = client.get(LOGIN, headers=JSON)
    assert refused.status_code == 503 and refused.json["code"] == 503
    finished = come_back(client, callback)
    assert finished.status_code == 503 and finished.json["code"] == 503
    assert count(User) == users and count(SocialAccount) == 0
    monkeypatch.undo()
    assert come_back(client, callback).status_code == 200  # the state survived the outage: it was never read


# -- documentation and the fake as a process -----------------------------------------------------------
def test_endpoints_are_documented_without_auth_for_login_and_callback(client):
    paths = client.get("/openapi.json").json["paths"]
    assert paths["/api/v1/auth/vk/login"]["get"]["security"] == []
    callback = paths["/api/v1/auth/vk/callback"]["get"]
    assert callback["security"] == []
    assert {"200", "302", "400", "409", "502"} <= set(callback["responses"])
    assert "security" not in paths["/api/v1/auth/vk/link"]["post"]


def test_fake_vk_runs_as_a_process(live_env):
    port = free_port()
    with running(
        [sys.executable, "-m", "fakes.vk", "--port", str(port)],
        live_env,
        ready=lambda: port_open(port),
        log_name="fake-vk",
    ):
        base = f"http://127.0.0.1:{port}"
        body = requests.get(f"{base}/method/users.get", params={"v": "5.199", "access_token": "nope"}, timeout=5)
        assert body.json()["error"]["error_code"] == 5
        scripted = requests.post(f"{base}/_script", json={"fail": {"token": "http500"}}, timeout=5)
        assert scripted.json() == {"ok": True}
        assert requests.post(f"{base}/access_token", data={}, timeout=5).status_code == 500


# -- login CSRF and account attachment (the attacker's side) --------------------------------------------
def test_a_callback_url_sent_to_a_victim_signs_no_one_in(app, client, vk):
    """The attacker starts a flow, approves at VK as themself, and sends the callback URL to a victim."""
    attacker_callback = through_vk(start(client))
    victim = app.test_client()  # another browser: no state cookie
    users = count(User)
    resp = come_back(victim, attacker_callback)
    assert resp.status_code == 400 and "state" in resp.json["message"]
    assert "access_token" not in resp.json
    redirected = come_back(app.test_client(), through_vk(start(client)), json=False)
    assert redirected.status_code == 400 and "access_token" not in redirected.headers.get("Location", "")
    assert count(User) == users


def test_a_forged_state_cookie_does_not_match(app, client, vk):
    callback = through_vk(start(client))
    victim = app.test_client()
    victim.set_cookie("kalendar_vk_state", "guessed-value", path="/api/v1/auth/vk")
    assert come_back(victim, callback).status_code == 400
    assert come_back(client, callback).status_code == 400  # and the state is spent by the failed attempt


def test_a_link_ticket_works_once_and_never_carries_the_token(client, vk, api):
    alice = api.signup_and_login("alice")
    url = api.post(LINK, alice).json["url"]
    open_ticket(client, url)
    parts = urlsplit(url)
    again = client.get(parts.path, query_string=parts.query)
    assert again.status_code == 400 and again.json["code"] == 400


def test_a_link_started_in_one_browser_cannot_be_finished_in_another(app, client, vk, api):
    """Account attachment: the attacker's link flow, opened and approved by a victim's VK in the victim's
    browser, fails without the attacker's browser cookie; nothing is attached."""
    mallory = api.signup_and_login("mallory")
    authorize = open_ticket(client, api.post(LINK, mallory).json["url"])  # mallory's browser
    vk.add_user(2, "Victim", "User", screen_name="victim", email="victim@example.test")
    vk.login_as(2)
    callback = through_vk(authorize)
    assert come_back(app.test_client(), callback).status_code == 400
    assert count(SocialAccount) == 0


def test_a_link_ticket_sent_to_a_victim_attaches_nothing(app, client, vk, api):
    """Account attachment through the ticket itself: mallory asks for a link URL and sends it to a victim who
    is signed in at VK. Opened in the victim's browser (without the cookie set with the ticket), it is refused
    before anything goes to VK, it is spent, and no VK account is attached to mallory's."""
    mallory = api.signup_and_login("mallory")
    answer = api.post(LINK, mallory)
    assert "kalendar_vk_link" in answer.headers.get("Set-Cookie", "")
    url = answer.json["url"]
    vk.add_user(2, "Victim", "User", screen_name="victim", email="victim@example.test")
    vk.login_as(2)
    parts = urlsplit(url)
    victim = app.test_client()
    refused = victim.get(parts.path, query_string=parts.query)
    assert refused.status_code == 400 and "another browser" in refused.json["message"]
    assert "Location" not in refused.headers
    forged = app.test_client()
    forged.set_cookie("kalendar_vk_link", "guessed-value", path="/api/v1/auth/vk")
    assert forged.get(parts.path, query_string=parts.query).status_code == 400
    assert client.get(parts.path, query_string=parts.query).status_code == 400  # spent by the victim's attempt
    assert count(SocialAccount) == 0


def test_starting_vk_logins_is_rate_limited_per_address(client, vk, app):
    app.config["RATELIMIT_VK_LOGIN"] = "3/minute"
    try:
        for _ in range(3):
            assert client.get(LOGIN).status_code == 302
        resp = client.get(LOGIN)
        assert resp.status_code == 429 and "Retry-After" in resp.headers
    finally:
        app.config["RATELIMIT_VK_LOGIN"] = "30/minute"
