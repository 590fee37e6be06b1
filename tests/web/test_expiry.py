"""Short-lived access tokens: the client refreshes once for a burst of 401s, and the socket outlives its token."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.web.conftest import needs_chromium, sign_in_in_browser

pytestmark = needs_chromium
SERVER_ENV = {"JWT_ACCESS_TTL": "4"}  # every access token of this module's server expires after 4 s


def test_a_burst_of_expired_calls_is_refreshed_once_and_the_session_survives(server, web):
    page, console = web
    username, _ = server.signup("burst")
    sign_in_in_browser(page, server.base, username)
    refreshes: list[int] = []
    page.on("response", lambda r: r.url.endswith("/api/v1/auth/refresh") and refreshes.append(r.status))
    time.sleep(5)
    page.get_by_role("link", name="Today", exact=True).click()  # a screen of several parallel API calls
    page.get_by_role("link", name="Goals", exact=True).click()
    expect(page.get_by_role("heading", name="Goals", level=1)).to_be_visible()
    page.get_by_role("link", name="Today", exact=True).click()
    expect(page.get_by_text("No open tasks are assigned to you.")).to_be_visible()
    assert refreshes and all(status == 200 for status in refreshes), refreshes
    assert len(refreshes) <= 2, refreshes  # one for the burst (and perhaps the socket's reconnect), never one each
    page.reload()
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    assert console.csp_violations() == []


def test_toasts_still_arrive_after_the_socket_token_expired(server, web):
    page, _ = web
    alice, _ = server.signup("late")
    boss, _ = server.signup("boss")

    def call(method: str, path: str, **kwargs):
        return server.api(method, path, server.login(boss), **kwargs)  # a fresh token each time: they live 4 s

    team = call("POST", "/teams", json={"name": "Night shift"}).json()
    call("POST", f"/teams/{team['id']}/members", json={"username": alice})
    members = call("GET", f"/teams/{team['id']}/members").json()
    alice_id = next(m["user_id"] for m in members if m["username"] == alice)
    task_list = call("POST", f"/teams/{team['id']}/lists", json={"name": "Tonight"}).json()
    sign_in_in_browser(page, server.base, alice)
    expect(page.get_by_text("Live", exact=True)).to_be_visible()
    time.sleep(9)  # past the token's life: a server that closes the socket with 4401 gets a reconnect
    expect(page.get_by_text("Live", exact=True)).to_be_visible(timeout=15_000)
    created = call("POST", f"/lists/{task_list['id']}/tasks", json={"title": "Lock the door", "assignee_id": alice_id})
    assert created.status_code == 201, created.text
    expect(page.get_by_role("status").filter(has_text="Lock the door")).to_be_visible(timeout=15_000)
