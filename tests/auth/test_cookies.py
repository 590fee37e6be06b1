"""The web client's session: refresh token only in an HttpOnly SameSite=Strict cookie on the auth path, CSRF-checked."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.auth.test_vk import (  # noqa: F401  (the fake VK fixtures)
    come_back,
    start,
    through_vk,
    vk,
    vk_server,  # noqa: F401
)
from tests.factories import DEFAULT_PASSWORD

WEB = {"X-Kalendar-Client": "web", "Origin": "http://localhost"}  # the test client's own origin
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


@pytest.fixture
def alice(api):
    assert api.signup("alice").status_code == 201
    return "alice"


def web_login(client, username="alice", headers=WEB):
    return client.post(LOGIN, json={"username": username, "password": DEFAULT_PASSWORD}, headers=headers)


def cookie(client):
    return client.get_cookie("kalendar_refresh", path="/api/v1/auth")


def test_web_login_puts_the_refresh_token_in_a_strict_httponly_cookie_only(client, alice):
    response = web_login(client)
    assert response.status_code == 200
    assert "refresh_token" not in response.json and response.json["access_token"]
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/api/v1/auth" in header
    assert "Secure" not in header  # plain http here; see the PUBLIC_URL test
    assert response.headers["Cache-Control"] == "no-store"
    assert cookie(client) is not None


def test_bearer_clients_keep_both_tokens_in_the_body_and_get_no_cookie(client, alice):
    response = client.post(LOGIN, json={"username": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200 and response.json["refresh_token"]
    assert "Set-Cookie" not in response.headers
    again = client.post(REFRESH, headers={"Authorization": f"Bearer {response.json['refresh_token']}"})
    assert again.status_code == 200 and again.json["refresh_token"] and "Set-Cookie" not in again.headers


def test_the_cookie_refreshes_and_rotates(client, alice):
    web_login(client)
    first = cookie(client).value
    response = client.post(REFRESH, headers=WEB)
    assert response.status_code == 200 and response.json["access_token"] and "refresh_token" not in response.json
    second = cookie(client).value
    assert second != first
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {response.json['access_token']}"}).json[
            "username"
        ]
        == "alice"
    )
    old = client.post(REFRESH, headers={"Authorization": f"Bearer {first}"})
    assert old.status_code == 401  # the rotated cookie is dead


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a plain form post or <img>: no custom header
        {"X-Kalendar-Client": "web"},  # no Origin
        {"X-Kalendar-Client": "web", "Origin": "https://evil.example"},
        {"Origin": "http://localhost"},
    ],
)
def test_the_cookie_alone_is_refused_without_header_and_own_origin(client, alice, headers):
    web_login(client)
    before = cookie(client).value
    response = client.post(REFRESH, headers=headers)
    assert response.status_code == 403
    assert response.json["code"] == 403 and "Set-Cookie" not in response.headers
    assert client.post(REFRESH, headers=WEB).status_code == 200  # the refused attempt rotated nothing
    assert cookie(client).value != before


def test_web_login_from_another_origin_is_refused(client, alice):
    response = web_login(client, headers={"X-Kalendar-Client": "web", "Origin": "https://evil.example"})
    assert response.status_code == 403 and cookie(client) is None


def test_the_cookie_is_secure_when_public_url_is_https(app, client, alice):
    app.config["PUBLIC_URL"] = "https://kalendar.example.test"
    try:
        response = web_login(client, headers={"X-Kalendar-Client": "web", "Origin": "https://kalendar.example.test"})
    finally:
        app.config["PUBLIC_URL"] = ""
    assert response.status_code == 200
    assert "Secure" in response.headers["Set-Cookie"]


def test_logout_revokes_the_session_and_clears_the_cookie(client, alice):
    access = web_login(client).json["access_token"]
    old = cookie(client).value
    response = client.post(LOGOUT, headers={**WEB, "Authorization": f"Bearer {access}"})
    assert response.status_code == 204
    assert "kalendar_refresh=;" in response.headers["Set-Cookie"] and cookie(client) is None
    assert client.post(REFRESH, headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"}).status_code == 401


def test_vk_sign_in_from_the_web_client_ends_with_the_cookie_and_no_token_in_the_url(client, vk):  # noqa: F811
    response = come_back(client, through_vk(start(client, "http://localhost/today")), json=False)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "http://localhost/today"
    assert "token" not in location and not urlsplit(location).fragment
    refreshed = client.post(REFRESH, headers=WEB)
    assert refreshed.status_code == 200 and refreshed.json["access_token"]


def test_vk_next_on_a_foreign_origin_is_still_refused(client, vk):  # noqa: F811
    response = client.get("/api/v1/auth/vk/login", query_string={"next": "https://evil.example/today"})
    assert response.status_code == 400


def test_the_spec_documents_the_cookie(client):
    spec = client.get("/openapi.json").json
    assert spec["components"]["securitySchemes"]["refreshCookie"]["in"] == "cookie"
    refresh = spec["paths"]["/api/v1/auth/refresh"]["post"]
    assert {"refreshCookie": []} in refresh["security"]


def test_vk_status_says_whether_the_button_makes_sense(app, client):
    assert client.get("/api/v1/auth/vk/status").json == {"enabled": True}  # TestConfig sets the VK client
    saved = app.config["VK_CLIENT_ID"]
    app.config["VK_CLIENT_ID"] = ""
    try:
        assert client.get("/api/v1/auth/vk/status").json == {"enabled": False}
    finally:
        app.config["VK_CLIENT_ID"] = saved
