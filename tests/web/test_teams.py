"""Teams in the browser: live task events over /ws/teams/{id}, toasts over /ws/user instead of Telegram."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from fakes.telegram import FakeTelegram
from tests.web.conftest import needs_chromium, new_page, sign_in_in_browser, wait_for

pytestmark = needs_chromium
CODE = re.compile(r"\b(\d{6})\b")


def team_with(server, admin_token: str, member: str) -> tuple[int, int]:
    """A team of the admin with `member` in it and one list; returns (team id, list id)."""
    team = server.api("POST", "/teams", admin_token, json={"name": f"Crew {time.monotonic_ns()}"}).json()
    added = server.api("POST", f"/teams/{team['id']}/members", admin_token, json={"username": member})
    assert added.status_code == 201, added.text
    task_list = server.api("POST", f"/teams/{team['id']}/lists", admin_token, json={"name": "Chores"}).json()
    return team["id"], task_list["id"]


def link_telegram(server, token: str, chat_id: int) -> None:
    """Link a chat the way a person does: /link to the bot, then the code to the API."""
    before = len(server.telegram.messages())
    server.telegram.push_update(FakeTelegram.text_message(chat_id, "/link"))
    assert wait_for(lambda: any(CODE.search(m.get("text", "")) for m in server.telegram.messages()[before:]), 30)
    text = next(m["text"] for m in server.telegram.messages()[before:] if CODE.search(m.get("text", "")))
    verified = server.api("PATCH", "/bot/verify", token, json={"verification_code": CODE.search(text).group(1)})
    assert verified.status_code == 200, verified.text
    assert server.api("GET", "/bot/status", token).json()["linked"] is True
    # The confirmation is a job of its own: wait for it, so it is not counted as a later notification.
    assert wait_for(
        lambda: len([m for m in server.telegram.messages()[before:] if str(m.get("chat_id")) == str(chat_id)]) >= 2, 30
    )


def test_an_assignment_while_the_page_is_open_is_a_toast_not_a_telegram_message(server, web):
    page, console = web
    alice, alice_token = server.signup("alice")
    bob, bob_token = server.signup("bob")
    chat_id = 770000 + int(time.monotonic()) % 10000
    link_telegram(server, alice_token, chat_id)
    team_id, list_id = team_with(server, bob_token, alice)
    member = next(m for m in server.api("GET", f"/teams/{team_id}/members", bob_token).json() if m["username"] == alice)

    sign_in_in_browser(page, server.base, alice)
    expect(page.get_by_text("Live", exact=True)).to_be_visible()  # /ws/user open and heartbeating: online
    sent_before = len(server.telegram.messages())
    created = server.api(
        "POST",
        f"/lists/{list_id}/tasks",
        bob_token,
        json={"title": "Water the plants", "assignee_id": member["user_id"]},
    )
    assert created.status_code == 201, created.text

    toast = page.get_by_role("status").filter(has_text="Water the plants")
    expect(toast).to_be_visible(timeout=15_000)
    expect(toast.locator("strong")).not_to_be_empty()  # the notification's title (in the linked chat's language)
    page.wait_for_timeout(5_000)
    expect(toast).to_be_visible()  # at least 5 s on screen
    later = [m for m in server.telegram.messages()[sent_before:] if str(m.get("chat_id")) == str(chat_id)]
    assert later == [], later  # online: nothing went to Telegram
    expect(page.get_by_role("link", name="Water the plants")).to_be_visible()  # Today's task list followed
    assert console.csp_violations() == []


def test_a_team_screen_shows_another_users_changes_live(server, web):
    page, _ = web
    alice, _ = server.signup("carol")
    _, dave_token = server.signup("dave")
    team_id, list_id = team_with(server, dave_token, alice)

    sign_in_in_browser(page, server.base, alice)
    page.get_by_role("link", name="Teams", exact=True).click()
    page.get_by_role("link", name=re.compile("^Crew")).click()
    expect(page).to_have_url(f"{server.base}/teams/{team_id}")
    chores = page.get_by_role("region", name="Chores")
    expect(chores).to_be_visible()
    expect(chores.get_by_text("No tasks in this list.")).to_be_visible()
    expect(page.locator(".screen-head .connection-online")).to_be_visible()  # the team socket is subscribed

    task = server.api("POST", f"/lists/{list_id}/tasks", dave_token, json={"title": "Fix the bike"}).json()
    row = chores.get_by_role("listitem").filter(has_text="Fix the bike")
    expect(row).to_be_visible()
    assert server.api("POST", f"/tasks/{task['id']}/done", dave_token).status_code == 200
    expect(row.get_by_role("button", name="Reopen")).to_be_visible()
    assert server.api("DELETE", f"/tasks/{task['id']}", dave_token).status_code == 204
    expect(row).to_have_count(0)


def test_a_member_adds_a_task_with_assignee_and_deadline(server, web):
    page, _ = web
    erin, erin_token = server.signup("erin")
    _, frank_token = server.signup("frank")
    team_id, list_id = team_with(server, frank_token, erin)
    sign_in_in_browser(page, server.base, erin)
    page.goto(f"{server.base}/teams/{team_id}")
    form = page.get_by_role("form", name="New task in Chores")
    form.get_by_label("Task").fill("Buy paint")
    form.get_by_label("Assignee").select_option(label=erin)
    form.get_by_label("Deadline").fill("2026-12-24T18:30")
    form.get_by_role("button", name="Add task").click()
    expect(page.get_by_role("region", name="Chores").get_by_text("Buy paint")).to_be_visible()
    tasks = server.api("GET", f"/lists/{list_id}/tasks", erin_token).json()
    # Typed in the profile's zone (Moscow, UTC+3: an account made over the API), not the browser's (Berlin)
    assert [(t["title"], t["deadline"]) for t in tasks] == [("Buy paint", "2026-12-24T15:30:00+00:00")]


def test_a_task_is_edited_in_place_and_the_team_sees_it_live(server, browser):
    erin, erin_token = server.signup("gina")
    frank, frank_token = server.signup("hank")
    team_id, list_id = team_with(server, frank_token, erin)
    task = server.api("POST", f"/lists/{list_id}/tasks", frank_token, json={"title": "Paint the fence"}).json()
    watcher, watching, _ = new_page(browser)
    editor, page, _ = new_page(browser)
    try:
        sign_in_in_browser(watching, server.base, frank)
        watching.goto(f"{server.base}/teams/{team_id}")
        expect(watching.locator(".screen-head .connection-online")).to_be_visible()
        sign_in_in_browser(page, server.base, erin)
        page.goto(f"{server.base}/teams/{team_id}")
        chores = page.get_by_role("region", name="Chores")

        edit = chores.get_by_role("button", name="Edit Paint the fence")
        edit.focus()
        page.keyboard.press("Enter")  # keyboard first
        form = chores.get_by_role("form", name="Edit Paint the fence")
        title = form.get_by_label("Task")
        expect(title).to_be_focused()
        title.fill("x" * 201)
        form.get_by_role("button", name="Save").click()
        expect(title).to_have_attribute("aria-invalid", "true")
        expect(title).to_have_accessible_description(re.compile("200"))  # the API's 422, on the field

        title.fill("Something else")
        page.keyboard.press("Escape")  # cancels: nothing sent, the row as it was, focus back on Edit
        expect(form).to_have_count(0)
        expect(edit).to_be_focused()
        expect(chores.get_by_text("Paint the fence")).to_be_visible()
        assert server.api("GET", f"/tasks/{task['id']}", erin_token).json()["title"] == "Paint the fence"

        page.keyboard.press("Enter")
        form.get_by_label("Task").fill("Paint the gate")
        form.get_by_label("Assignee").select_option(label=erin)
        form.get_by_label("Deadline").fill("2026-12-24T18:30")
        form.get_by_role("button", name="Save").click()
        expect(form).to_have_count(0)
        row = chores.get_by_role("listitem").filter(has_text="Paint the gate")
        expect(row).to_contain_text(erin)
        saved = server.api("GET", f"/tasks/{task['id']}", erin_token).json()
        me = server.api("GET", "/auth/me", erin_token).json()["id"]
        # typed in the profile's zone (Moscow, UTC+3), not the browser's
        assert (saved["title"], saved["assignee_id"], saved["deadline"]) == (
            "Paint the gate",
            me,
            "2026-12-24T15:30:00+00:00",
        )

        seen = watching.get_by_role("region", name="Chores").get_by_role("listitem").filter(has_text="Paint the gate")
        expect(seen).to_contain_text(erin)  # the other member's screen, without a reload
        expect(seen).to_contain_text("Dec 24, 2026")
        expect(watching.get_by_text("Paint the fence")).to_have_count(0)
    finally:
        editor.close()
        watcher.close()
