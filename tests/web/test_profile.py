"""Profile in the browser: details and time zone, Telegram by code, the feed URL, password, language, theme."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from fakes.telegram import FakeTelegram
from tests.web.conftest import PASSWORD, needs_chromium, sign_in_in_browser, wait_for

pytestmark = needs_chromium
CODE = re.compile(r"\b(\d{6})\b")


def open_profile(server, page, prefix):
    username, token = server.signup(prefix)
    sign_in_in_browser(page, server.base, username)
    page.get_by_role("link", name="Profile", exact=True).click()
    expect(page.get_by_role("heading", name="Profile", level=1)).to_be_visible()
    return username, token


def test_time_zone_is_searchable_saved_and_checked(server, web):
    page, _ = web
    _, token = open_profile(server, page, "zone")
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value("Europe/Moscow")
    assert page.locator("datalist#zones option[value='Asia/Tokyo']").count() == 1  # the IANA list to search
    zone.fill("Mars/Olympus_Mons")
    page.get_by_role("form", name="Your details").get_by_role("button", name="Save").click()
    expect(zone).to_have_attribute("aria-invalid", "true")
    expect(zone).to_have_accessible_description(re.compile(r"time zone", re.I))
    page.get_by_role("button", name="Use this device's zone (Europe/Berlin)").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_role("form", name="Your details").get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Profile saved")).to_be_visible()
    me = server.api("GET", "/auth/me", token).json()
    assert (me["timezone"], me["first_name"]) == ("Europe/Berlin", "Ada")


def test_telegram_is_linked_with_the_bots_code(server, web):
    page, token = web[0], None
    _, token = open_profile(server, page, "tg")
    telegram = page.get_by_role("region", name="Telegram")
    expect(telegram).to_contain_text("/link")
    before = len(server.telegram.messages())
    server.telegram.push_update(FakeTelegram.text_message(880011, "/link"))
    assert wait_for(lambda: any(CODE.search(m.get("text", "")) for m in server.telegram.messages()[before:]), 30)
    code = next(CODE.search(m["text"]).group(1) for m in server.telegram.messages()[before:] if CODE.search(m["text"]))
    telegram.get_by_label("Code from the bot").fill("000000" if code != "000000" else "111111")
    telegram.get_by_role("button", name="Link Telegram").click()
    expect(telegram.get_by_label("Code from the bot")).to_have_attribute("aria-invalid", "true")  # a wrong code: 422
    telegram.get_by_label("Code from the bot").fill(code)
    telegram.get_by_role("button", name="Link Telegram").click()
    expect(telegram).to_contain_text("Linked to")
    assert server.api("GET", "/bot/status", token).json()["linked"] is True


def test_the_feed_url_is_created_rotated_and_revoked(server, web):
    page, _ = web
    open_profile(server, page, "feed")
    page.on("dialog", lambda dialog: dialog.accept())
    feed = page.get_by_role("region", name="Calendar feed")
    feed.get_by_role("button", name="Create feed URL").click()
    first = feed.locator("#feed-url").inner_text()
    assert requests.get(first, timeout=10).status_code == 200
    feed.get_by_role("button", name="Rotate URL").click()
    expect(feed.locator("#feed-url")).not_to_have_text(first)
    second = feed.locator("#feed-url").inner_text()
    assert requests.get(first, timeout=10).status_code == 404  # the old URL died at once
    assert requests.get(second, timeout=10).status_code == 200
    feed.get_by_role("button", name="Revoke").click()
    expect(feed.get_by_role("button", name="Create feed URL")).to_be_visible()
    assert requests.get(second, timeout=10).status_code == 404


def test_a_password_change_signs_out_the_other_sessions(server, web):
    page, _ = web
    username, other_session = open_profile(server, page, "pw")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill("Another-Passphrase-93b2")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Password changed")).to_be_visible()
    assert server.api("GET", "/auth/me", other_session).status_code == 401
    page.reload()  # this browser's own session survives
    expect(page.get_by_role("heading", name="Profile", level=1)).to_be_visible()


def test_language_and_theme_switch(server, web):
    page, _ = web
    open_profile(server, page, "prefs")
    page.get_by_label("Theme", exact=True).select_option("dark")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 21, 27)"
    page.get_by_label("Language", exact=True).select_option("ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    page.reload()  # remembered in this browser
    expect(page.get_by_role("heading", name="Профиль", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
