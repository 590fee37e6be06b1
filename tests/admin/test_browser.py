"""The admin in a real browser (Debian's Chromium driven by Playwright) against gunicorn as the Procfile runs it.

Skips only when no Chromium binary exists (`.ci/install-browser.sh` installs it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright

from tests.admin.conftest import make_user
from tests.factories import DEFAULT_PASSWORD
from tests.processes import CHROMIUM, CHROMIUM_ARGS, PYTHON, free_port, http_ok, live_environment, running

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed ({CHROMIUM})"),
]


@pytest.fixture(scope="module")
def server(app) -> Iterator[str]:
    port = free_port()
    env = live_environment(app, PORT=str(port), WEB_CONCURRENCY="1", GUNICORN_ACCESS_LOG="")
    with running(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        env,
        ready=lambda: http_ok(f"http://127.0.0.1:{port}/healthz"),
        timeout=60,
        log_name="admin-web",
    ):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh Chromium with a fresh profile directory per test (no state leaks between tests)."""
    with tempfile.TemporaryDirectory(prefix="kalendar-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, locale="en-US"
        )
        context.set_default_timeout(10_000)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def api_token(base: str, username: str) -> str:
    response = requests.post(
        f"{base}/api/v1/auth/login", json={"username": username, "password": DEFAULT_PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/users/")
    expect(page.locator("#login-form")).to_be_visible()  # anonymous: the login page, no data
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("#login-submit")


def test_superuser_searches_filters_and_deactivates_a_user(server, page):
    make_user("root", superuser=True)
    alice = make_user("alice", email="alice@example.test")
    make_user("bob", active=False)
    hashes = [u.password_hash for u in (alice,)]
    token = api_token(server, "alice")
    assert (
        requests.get(f"{server}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code
        == 200
    )

    log_in(page, server, "root")
    expect(page).to_have_url(f"{server}/admin/users/")
    expect(page.locator("#admin-user")).to_have_text("root")

    page.fill("input[name=search]", "alic")
    page.keyboard.press("Enter")
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("alice@example.test")

    page.goto(f"{server}/admin/users/")
    page.click("text=Add Filter")
    page.click("a.filter:has-text('Active')")
    page.select_option("select.filter-val", "0", force=True)  # Active = No (select2 hides the <select>)
    page.click("button:has-text('Apply')")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("bob")

    page.goto(f"{server}/admin/users/details/?id={alice.id}")
    html = page.content()
    assert "$argon2" not in html and all(h not in html for h in hashes)

    page.goto(f"{server}/admin/users/?search=alice")
    page.check(f"input[name=rowid][value='{alice.id}']")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("text=With selected")
    page.click("a.dropdown-item:has-text('Deactivate')")
    expect(page.locator(".alert-success")).to_contain_text("1 users deactivated")

    me = requests.get(f"{server}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 401


def test_non_superuser_is_refused(server, page):
    make_user("alice")
    log_in(page, server, "alice")
    expect(page.locator("#forbidden")).to_be_visible()
    assert "alice@" not in page.content()
    page.goto(f"{server}/admin/users/")
    expect(page.locator("#login-form")).to_be_visible()
