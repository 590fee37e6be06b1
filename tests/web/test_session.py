"""Signing up, in and out in the browser: the cookie session, reloads, revocation, locale, CSP, 422 on fields."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from tests.web.conftest import PASSWORD, needs_chromium, new_page, sign_in_in_browser, sign_up_in_browser

pytestmark = needs_chromium

NAV = ["Today", "Goals", "Habits", "Teams", "Profile"]


def _refresh_cookie(page):
    cookies = [c for c in page.context.cookies() if c["name"] == "kalendar_refresh"]
    return cookies[0] if cookies else None


def test_sign_up_lands_on_today_and_a_reload_keeps_the_session(server, web):
    page, console = web
    sign_up_in_browser(page, server.base)
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    for name in NAV:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()

    page.reload()
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    expect(page).to_have_url(f"{server.base}/today")
    page.get_by_role("link", name="Profile", exact=True).click()
    expect(page.get_by_role("region", name="VK")).to_contain_text("not configured")  # no VK_CLIENT_ID here
    assert console.csp_violations() == []


def test_no_token_is_readable_by_page_script(server, web):
    page, _ = web
    sign_up_in_browser(page, server.base)
    expect(page.get_by_text("Live")).to_be_visible()  # the socket is open: an access token exists in memory
    storage = page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])"
    )
    cookie = _refresh_cookie(page)
    assert cookie is not None
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["path"] == "/api/v1/auth"
    assert cookie["value"] not in storage
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.", storage), storage  # no JWT of any kind


def test_sign_out_revokes_the_session_and_the_old_cookie_is_refused(server, web):
    page, _ = web
    username, _token = server.signup("leaver")
    sign_in_in_browser(page, server.base, username)
    old = _refresh_cookie(page)["value"]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert _refresh_cookie(page) is None
    refused = requests.post(
        f"{server.base}/api/v1/auth/refresh", headers={"Authorization": f"Bearer {old}"}, timeout=10
    )
    assert refused.status_code == 401
    page.reload()  # nothing left to restore the session from
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_the_client_is_served_with_a_strict_csp(server, web):
    page, console = web
    response = page.goto(f"{server.base}/habits")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert re.search(r"connect-src 'self' ws://127\.0\.0\.1:\d+", csp)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()  # signed out: /habits asks to sign in
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fhabits$"))
    assert console.csp_violations() == []
    assert console.errors() == [] or all("401" in m for m in console.errors()), console.errors()


def test_russian_ui_by_the_browsers_locale(server, browser):
    context, page, console = new_page(browser, locale="ru-RU")
    try:
        username, _ = server.signup("ivan")
        page.goto(f"{server.base}/")
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        page.get_by_label("Имя пользователя").fill(username)
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        expect(page.get_by_role("heading", name="Сегодня", level=1)).to_be_visible()
        expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    finally:
        context.close()


def test_a_422_is_shown_on_its_field(server, web):
    page, _ = web
    page.goto(f"{server.base}/signup")
    page.get_by_label("Username").fill("numeric-password")
    page.get_by_label("Password", exact=True).fill("1234567890")
    page.get_by_label("Repeat password").fill("1234567890")
    page.get_by_role("button", name="Create account").click()
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile("numeric", re.I))
    expect(page).to_have_url(f"{server.base}/signup")


def test_narrow_screens_fold_the_navigation_behind_menu(server, browser):
    context, page, _ = new_page(browser, width=390, height=844)
    try:
        username, _ = server.signup("phone")
        sign_in_in_browser(page, server.base, username)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Habits")).to_be_hidden()
        menu = page.get_by_role("button", name="Menu")
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        nav.get_by_role("link", name="Habits").click()
        expect(page.get_by_role("heading", name="Habits", level=1)).to_be_visible()
        expect(nav.get_by_role("link", name="Habits")).to_be_hidden()  # folded again after choosing
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390  # nothing overflows sideways
    finally:
        context.close()


def test_a_wrong_password_is_said_on_the_form(server, web):
    page, _ = web
    username, _ = server.signup("typo")
    page.goto(f"{server.base}/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("form").get_by_role("alert")).to_contain_text(re.compile("password", re.I))
    expect(page).to_have_url(f"{server.base}/signin")
    expect(page.get_by_role("link", name="Sign in with VK")).to_have_count(0)  # VK is not configured here
