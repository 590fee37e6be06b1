"""Habits in the browser: create with the rules explained, one tap for today, the streak, 422s on their fields."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.web.conftest import ARTIFACTS, needs_chromium, new_page, sign_in_in_browser, sign_up_in_browser

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


def api_habit(server, token: str, action: str, every: int = 1, done: int | None = None, skipped: int | None = None):
    """A habit over the API, done or skipped `done`/`skipped` days ago (in the account's zone, Berlin)."""
    body = {"action": action, "place": "the hall", "time": "09:00", "duration_seconds": 60, "periodicity_days": every}
    habit = server.api("POST", "/habits", token, json=body).json()
    for kind, ago in (("completions", done), ("skips", skipped)):
        if ago is not None:
            day = (date.fromisoformat(today()) - timedelta(days=ago)).isoformat()
            logged = server.api("POST", f"/habits/{habit['id']}/{kind}", token, json={"date": day})
            assert logged.status_code == 201, logged.text
    return habit


def test_today_lists_only_the_habits_whose_period_is_still_open(server, web):
    page, _ = web
    username = sign_up_in_browser(page, server.base, "due")
    token = server.login(username)
    api_habit(server, token, "water the plants", 1, done=1)  # every day, done yesterday: due today
    api_habit(server, token, "call mum", 3, done=2)  # every 3 days, done 2 days ago: kept for now
    api_habit(server, token, "clean the bike", 2, skipped=1)  # every 2 days, skipped yesterday: kept
    api_habit(server, token, "run", 2, done=2)  # every 2 days, done 2 days ago: due again
    api_habit(server, token, "read", 3, done=0)  # done today: stays, with its tick

    page.goto(f"{server.base}/today")
    section = page.get_by_role("region", name="Today's habits")
    items = section.get_by_role("listitem").filter(has_text="I will")
    expect(items).to_have_count(3)
    for action in ("water the plants", "run", "read"):
        expect(items.filter(has_text=f"I will {action} at")).to_have_count(1)
    expect(items.filter(has_text="I will read").get_by_role("button", name="Done today")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(section).to_contain_text("2 habits are kept for their period already")
    run = items.filter(has_text="I will run").get_by_role("button", name="Done today")
    run.click()
    expect(run).to_have_attribute("aria-pressed", "true")  # ticked today: still on Today
    expect(items).to_have_count(3)


def test_the_week_strip_asks_only_for_habits_on_screen_and_only_once(server, browser):
    username, token = server.signup("strip")
    ids = [api_habit(server, token, f"habit number {n}")["id"] for n in range(8)]
    context, page, _ = new_page(browser, width=390, height=844)
    asked: list[int] = []
    page.on("request", lambda r: "/stats" in r.url and asked.append(int(r.url.split("/habits/")[1].split("/")[0])))
    try:
        sign_in_in_browser(page, server.base, username)  # lands on Today, which shows the strips too
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("link", name="Habits", exact=True).click()
        expect(page.get_by_role("heading", name="Habits", level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        on_screen = len(set(asked))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "habit-stats.txt").write_text(
            f"/stats requests after Today and Habits at 390 px with {len(ids)} habits: {len(asked)}\n"
        )
        assert 0 < on_screen < len(ids), asked  # only the strips on (or near) the screen
        for n in range(len(ids)):  # scroll down as a person does: each habit comes into view
            page.get_by_role("listitem").filter(has_text=f"I will habit number {n} at").scroll_into_view_if_needed()
        expect(page.locator("ul.habits .day-not_due")).to_have_count(7 * len(ids))  # every strip drawn
        assert sorted(asked) == sorted(ids), asked  # each habit asked once, Today and Habits together

        page.get_by_role("button", name="Menu").click()
        page.get_by_role("link", name="Today", exact=True).click()
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("link", name="Habits", exact=True).click()
        for n in range(len(ids)):
            page.get_by_role("listitem").filter(has_text=f"I will habit number {n} at").scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        assert sorted(asked) == sorted(ids), asked  # cached between screens

        toggle = (
            page.get_by_role("listitem")
            .filter(has_text="I will habit number 7 at")
            .get_by_role("button", name="Done today")
        )
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")
        strip = page.get_by_role("listitem").filter(has_text="I will habit number 7 at").locator(".day-done")
        expect(strip).to_have_count(1)  # drawn from the strip's fresh /stats answer: that request is in `asked`
        page.wait_for_load_state("networkidle")
        assert sorted(asked) == sorted([*ids, ids[7]]), asked  # after a tap: that strip again, and only it
    finally:
        context.close()
