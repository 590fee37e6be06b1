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


def test_the_status_filter_takes_several_statuses_and_keeps_them_in_the_address(server, web):
    username, token = server.signup("statuses")
    board = server.api("GET", "/boards", token).json()[0]
    category = server.api("POST", "/categories", token, json={"title": "Home", "board_id": board["id"]}).json()
    for title, status in (("Paint", "todo"), ("Sand", "in_progress"), ("Plan", "done"), ("Old", "archived")):
        created = server.api("POST", "/goals", token, json={"title": title, "category_id": category["id"]}).json()
        assert server.api("PATCH", f"/goals/{created['id']}", token, json={"status": status}).status_code == 200

    page, _ = web
    sign_in_in_browser(page, server.base, username)
    page.goto(f"{server.base}/goals")
    statuses = page.get_by_role("group", name="Status")
    rows = page.get_by_role("table").get_by_role("link")
    expect(rows).to_have_count(3)  # none ticked: all but archived
    expect(page.get_by_role("link", name="Old")).to_have_count(0)
    statuses.get_by_role("checkbox", name="To do").check()
    statuses.get_by_role("checkbox", name="Done").check()
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name="Paint")).to_be_visible()
    expect(page.get_by_role("link", name="Plan")).to_be_visible()
    assert "status=todo&status=done" in page.url

    page.reload()  # the address keeps the filter
    statuses = page.get_by_role("group", name="Status")
    expect(statuses.get_by_role("checkbox", name="To do")).to_be_checked()
    expect(statuses.get_by_role("checkbox", name="Done")).to_be_checked()
    expect(statuses.get_by_role("checkbox", name="In progress")).not_to_be_checked()
    expect(rows).to_have_count(2)
    statuses.get_by_role("checkbox", name="Archived").check()
    expect(page.get_by_role("link", name="Old")).to_be_visible()
    statuses.get_by_role("checkbox", name="To do").uncheck()
    expect(page.get_by_role("link", name="Paint")).to_have_count(0)
    expect(rows).to_have_count(2)  # Plan and Old
