"""Goals in the browser: categories, create, the API's list, search, detail with comments, archive, readers."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.conftest import needs_chromium, sign_in_in_browser, sign_up_in_browser

pytestmark = needs_chromium


def test_create_a_goal_and_find_it_in_the_api(server, web):
    page, console = web
    username = sign_up_in_browser(page, server.base, "goal")
    token = server.login(username)
    page.get_by_role("link", name="Goals", exact=True).click()
    expect(page.get_by_role("heading", name="Goals", level=1)).to_be_visible()
    page.get_by_label("New category").fill("Health")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("button", name="Rename Health")).to_be_visible()

    page.get_by_role("button", name="New goal").click()
    form = page.get_by_role("form", name="New goal")
    form.get_by_label("Title", exact=True).fill("Run a half marathon")
    form.get_by_label("Priority").select_option("high")
    form.get_by_label("Start date").fill("2026-03-01")
    form.get_by_label("Due date").fill("2026-12-20")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Goal created")).to_be_visible()
    expect(page.get_by_role("link", name="Run a half marathon")).to_be_visible()

    goals = server.api("GET", "/goals", token).json()
    assert [(g["title"], g["priority"], g["due_date"]) for g in goals] == [
        ("Run a half marathon", "high", "2026-12-20")
    ]

    page.get_by_label("Search").fill("nothing like it")
    expect(page.get_by_text("No goals match.")).to_be_visible()
    page.get_by_label("Search").fill("half")
    page.get_by_role("link", name="Run a half marathon").click()
    expect(page.get_by_role("heading", name="Run a half marathon", level=1)).to_be_visible()
    page.get_by_label("Comment", exact=True).fill("Week one done")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Week one done")).to_be_visible()
    assert server.api("GET", f"/goals/{goals[0]['id']}/comments", token).json()[0]["text"] == "Week one done"

    page.get_by_role("button", name="Archive").click()
    expect(page.locator("dl")).to_contain_text("Archived")
    assert server.api("GET", f"/goals/{goals[0]['id']}", token).json()["status"] == "archived"
    assert console.csp_violations() == []


def test_dates_out_of_order_show_the_apis_message_on_the_field(server, web):
    page, _ = web
    sign_up_in_browser(page, server.base, "dates")
    page.get_by_role("link", name="Goals", exact=True).click()
    page.get_by_label("New category").fill("Work")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("button", name="New goal").click()
    form = page.get_by_role("form", name="New goal")
    form.get_by_label("Title", exact=True).fill("Backwards")
    form.get_by_label("Start date").fill("2026-05-02")
    form.get_by_label("Due date").fill("2026-05-01")
    form.get_by_role("button", name="Save").click()
    invalid = form.locator("[aria-invalid=true]")
    expect(invalid.first).to_be_visible()
    expect(invalid.first).to_have_accessible_description(re.compile(r"\S"))


def test_a_reader_sees_the_board_but_no_edit_controls(server, web):
    owner, owner_token = server.signup("owner")
    reader, _ = server.signup("reader")
    board = server.api("POST", "/boards", owner_token, json={"title": "Family"}).json()
    category = server.api("POST", "/categories", owner_token, json={"title": "Trips", "board_id": board["id"]}).json()
    server.api("POST", "/goals", owner_token, json={"title": "Visit Kazan", "category_id": category["id"]})
    added = server.api(
        "POST", f"/boards/{board['id']}/participants", owner_token, json={"username": reader, "role": "reader"}
    )
    assert added.status_code == 201, added.text

    page, _ = web
    sign_in_in_browser(page, server.base, reader)
    page.goto(f"{server.base}/goals?board={board['id']}")
    expect(page.get_by_role("link", name="Visit Kazan")).to_be_visible()
    expect(page.get_by_role("button", name="New goal")).to_have_count(0)
    expect(page.get_by_label("New category")).to_have_count(0)
    page.get_by_role("link", name="Visit Kazan").click()
    expect(page.get_by_role("heading", name="Visit Kazan", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Add comment")).to_have_count(0)
