"""A 429 in the browser says when to try again (the API's Retry-After), as an alert."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.conftest import needs_chromium

pytestmark = needs_chromium
SERVER_ENV = {"RATELIMIT_LOGIN": "3/15minute"}


def test_too_many_wrong_passwords_show_when_to_retry(server, web):
    page, _ = web
    username, _ = server.signup("limited")
    page.goto(f"{server.base}/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("wrong-password-again")
    alert = page.get_by_role("alert").filter(has_text="Try again in")
    for _ in range(6):
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_timeout(300)
        if alert.count():
            break
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(re.compile(r"Try again in \d+ s"))
    expect(alert).to_contain_text("Too many attempts")
