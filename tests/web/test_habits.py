"""Habits in the browser: create with the rules explained, one tap for today, the streak, 422s on their fields."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.web.conftest import needs_chromium, sign_up_in_browser

pytestmark = needs_chromium
ZONE = "Europe/Berlin"  # the browser's zone (conftest.new_page); a new account takes it over


def today() -> str:
    return datetime.now(ZoneInfo(ZONE)).date().isoformat()


def create_habit(page, action: str, duration: str = "60") -> None:
    page.get_by_role("link", name="Habits", exact=True).click()
    page.get_by_role("button", name="New habit").click()
    page.get_by_label("Action").fill(action)
    page.get_by_label("Time").fill("07:30")
    page.get_by_label("Place").fill("the kitchen")
    page.get_by_label("Duration (seconds)").fill(duration)
    page.get_by_role("button", name="Save").click()


def habit_item(page, action: str):
    return page.get_by_role("listitem").filter(has_text=f"I will {action} at 07:30 in the kitchen")


def test_done_today_logs_a_completion_and_the_streak_follows(server, web):
    page, console = web
    username = sign_up_in_browser(page, server.base, "habit")
    token = server.login(username)
    assert server.api("GET", "/auth/me", token).json()["timezone"] == ZONE  # the browser's zone by default

    create_habit(page, "drink water")
    item = habit_item(page, "drink water")
    toggle = item.get_by_role("button", name="Done today")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(item).to_contain_text("Streak: 0")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(item).to_contain_text("Streak: 1")

    habit = server.api("GET", "/habits", token).json()[0]
    completions = server.api("GET", f"/habits/{habit['id']}/completions", token).json()
    assert [c["date"] for c in completions] == [today()]
    assert habit["current_streak"] == 1

    page.get_by_role("link", name="Today", exact=True).click()
    on_today = habit_item(page, "drink water")
    expect(on_today.get_by_role("button", name="Done today")).to_have_attribute("aria-pressed", "true")
    assert console.csp_violations() == []


def test_pressing_done_today_again_removes_todays_completion(server, web):
    page, _ = web
    username = sign_up_in_browser(page, server.base, "undo")
    token = server.login(username)
    create_habit(page, "stretch")
    toggle = habit_item(page, "stretch").get_by_role("button", name="Done today")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    habit = server.api("GET", "/habits", token).json()[0]
    assert server.api("GET", f"/habits/{habit['id']}/completions", token).json() == []


def test_the_rules_are_explained_and_a_422_lands_on_its_field(server, web):
    page, _ = web
    sign_up_in_browser(page, server.base, "rules")
    create_habit(page, "read a page", duration="500")
    duration = page.get_by_label("Duration (seconds)")
    expect(duration).to_have_attribute("aria-invalid", "true")
    expect(duration).to_have_accessible_description(re.compile(r"120"))
    form = page.locator("form.habit-form")
    for rule in ("reward or a linked pleasant habit", "At most 120 seconds", "once every 7 days", "own reward"):
        expect(form).to_contain_text(rule)
    expect(page.get_by_role("listitem").filter(has_text="I will read a page")).to_have_count(0)


def test_the_toggle_works_from_the_keyboard_with_a_visible_focus(server, web):
    page, _ = web
    sign_up_in_browser(page, server.base, "keys")
    create_habit(page, "breathe")
    toggle = habit_item(page, "breathe").get_by_role("button", name="Done today")
    expect(toggle).to_be_visible()
    for _ in range(60):  # Tab through the page as a keyboard user does
        page.keyboard.press("Tab")
        if toggle.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("Done today is not reachable with Tab")
    assert toggle.evaluate("el => getComputedStyle(el).outlineStyle") != "none"  # :focus-visible shows it
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-pressed", "true")


def test_skip_today_keeps_the_day_and_can_be_undone(server, web):
    page, _ = web
    username = sign_up_in_browser(page, server.base, "skip")
    token = server.login(username)
    create_habit(page, "journal")
    item = habit_item(page, "journal")
    skip = item.get_by_role("button", name="Skip today")
    skip.click()
    expect(skip).to_have_attribute("aria-pressed", "true")
    expect(item.get_by_role("button", name="Done today")).to_be_disabled()  # a day is done or skipped, not both
    habit = server.api("GET", "/habits", token).json()[0]
    assert habit["skipped_today"] is True and habit["done_today"] is False
    skip.click()
    expect(skip).to_have_attribute("aria-pressed", "false")
    assert server.api("GET", f"/habits/{habit['id']}", token).json()["skipped_today"] is False
