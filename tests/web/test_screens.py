"""Every screen in both themes as a screenshot (test artifacts), and what a first visit costs."""

from __future__ import annotations

import time
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.web.conftest import ARTIFACTS, needs_chromium, new_page, shot, sign_in_in_browser

pytestmark = needs_chromium
BUDGET = 150 * 1024


def seed(server) -> dict:
    """A person with something on every screen: goals due and overdue, habits, a team with tasks."""
    username, token = server.signup("maria")
    server.api("PATCH", "/auth/me", token, json={"first_name": "Maria", "timezone": "Europe/Berlin"})
    board = server.api("GET", "/boards", token).json()[0]
    category = server.api("POST", "/categories", token, json={"title": "Health", "board_id": board["id"]}).json()
    today = date.today()
    goals = [
        ("Book the dentist", "high", today),
        ("Renew the passport", "critical", today - timedelta(days=3)),
        ("Run 10 km", "medium", today + timedelta(days=40)),
    ]
    for title, priority, due in goals:
        body = {"title": title, "priority": priority, "category_id": category["id"], "due_date": due.isoformat()}
        assert server.api("POST", "/goals", token, json=body).status_code == 201
    first_goal = next(g for g in server.api("GET", "/goals", token).json() if g["title"] == "Book the dentist")
    server.api("POST", f"/goals/{first_goal['id']}/comments", token, json={"text": "Call on Monday morning"})
    habits = [
        {"action": "drink a glass of water", "place": "the kitchen", "time": "07:30", "duration_seconds": 30},
        {"action": "stretch", "place": "the living room", "time": "21:00", "duration_seconds": 120},
    ]
    for habit in habits:
        created = server.api("POST", "/habits", token, json=habit).json()
    server.api("POST", f"/habits/{created['id']}/completions", token, json={})
    _, lead = server.signup("lead")
    team = server.api("POST", "/teams", lead, json={"name": "Home", "description": "Who does what"}).json()
    server.api("POST", f"/teams/{team['id']}/members", lead, json={"username": username})
    me = server.api("GET", "/auth/me", token).json()["id"]
    for name, tasks in (("Chores", ["Take out the recycling", "Fix the tap"]), ("Shopping", ["Buy bread"])):
        task_list = server.api("POST", f"/teams/{team['id']}/lists", lead, json={"name": name}).json()
        for title in tasks:
            deadline = f"{(today + timedelta(days=1)).isoformat()}T17:00:00+00:00"
            body = {"title": title, "assignee_id": me, "deadline": deadline}
            server.api("POST", f"/lists/{task_list['id']}/tasks", lead, json=body)
    return {"username": username, "goal": first_goal["id"], "team": team["id"]}


SCREENS = [
    ("today", "/today", "Today"),
    ("goals", "/goals", "Goals"),
    ("goal", "/goals/{goal}", "Book the dentist"),
    ("habits", "/habits", "Habits"),
    ("teams", "/teams", "Teams"),
    ("team", "/teams/{team}", "Home"),
    ("profile", "/profile", "Profile"),
]


def test_a_screenshot_of_every_screen_in_both_themes(server, browser):
    data = seed(server)
    for scheme in ("light", "dark"):
        context, page, console = new_page(browser, scheme=scheme, width=1280, height=800)
        try:
            page.goto(f"{server.base}/signin")
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            shot(page, f"signin-{scheme}")
            sign_in_in_browser(page, server.base, data["username"])
            for name, path, heading in SCREENS:
                page.goto(server.base + path.format(**data))
                expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
                page.wait_for_load_state("networkidle")
                assert page.locator(".loading").count() == 0, f"{name} still loading"
                written = shot(page, f"{name}-{scheme}")
                assert written.stat().st_size > 10_000
            assert console.csp_violations() == [], console.csp_violations()
        finally:
            context.close()
    phone, page, _ = new_page(browser, width=390, height=844)
    try:
        sign_in_in_browser(page, server.base, data["username"])
        for name, path, heading in SCREENS:
            page.goto(server.base + path.format(**data))
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
            page.wait_for_load_state("networkidle")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, f"{name} is {width} px wide at 390 px"  # usable on a phone: no sideways scroll
            shot(page, f"{name}-390px")
    finally:
        phone.close()


def test_a_first_visit_is_small_and_quick(server, browser):
    context, page, _ = new_page(browser)
    sizes: dict[str, int] = {}
    page.on("response", lambda r: "/assets/" in r.url and sizes.__setitem__(r.url, len(r.body())))
    try:
        started = time.monotonic()
        page.goto(f"{server.base}/")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        took = time.monotonic() - started
        page.wait_for_load_state("networkidle")
        weight = sum(size for url, size in sizes.items() if url.endswith((".js", ".css")))
    finally:
        context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "first-load.txt").write_text(
        f"first screen in {took * 1000:.0f} ms; {weight} bytes of JS+CSS in {len(sizes)} files\n"
    )
    assert weight < BUDGET, f"{weight} bytes of JavaScript and CSS on a first visit"
    assert took < 2.0, f"the sign-in screen took {took:.2f} s"
