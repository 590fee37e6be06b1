"""What the feed says: goals, tasks and habits as the API shows them, in a well-formed calendar."""

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

FEED = "/api/v1/calendar/feed.ics"


def test_goals_are_all_day_events_on_the_due_date(cal, user):
    category = cal.category(user, title="Работа")
    goal = cal.goal(
        user,
        category,
        "Сдать отчёт, наконец; срочно",
        due_date="2030-01-10",
        priority="high",
        description="Квартальный\nотчёт",
    )
    undated = cal.goal(user, category, "No due date")
    events = cal.events(cal.subscribe(user))
    event = events[f"goal-{goal['id']}@kalendar"]
    assert f"goal-{undated['id']}@kalendar" not in events
    assert str(event["SUMMARY"]) == "Сдать отчёт, наконец; срочно"
    assert event.start == date(2030, 1, 10) and event.end == date(2030, 1, 11)
    description = str(event["DESCRIPTION"])
    api_goal = cal.api.get(f"/api/v1/goals/{goal['id']}", user).json
    assert f"Days left: {api_goal['days_left']}" in description
    assert "Status: todo" in description and "Priority: high" in description and "Category: Работа" in description
    assert description.endswith("Квартальный\nотчёт")
    assert event.DTSTAMP == datetime.fromisoformat(api_goal["updated_at"]).replace(microsecond=0)
    assert event.last_modified == event.DTSTAMP


def test_archived_goals_are_left_out_and_done_ones_stay(cal, user):
    category = cal.category(user)
    archived = cal.goal(user, category, "Old", due_date="2030-01-10")
    done = cal.goal(user, category, "Done", due_date="2030-01-11", status="done")
    assert cal.api.delete(f"/api/v1/goals/{archived['id']}", user).status_code == 204
    events = cal.events(cal.subscribe(user))
    assert f"goal-{archived['id']}@kalendar" not in events
    assert "Status: done" in str(events[f"goal-{done['id']}@kalendar"]["DESCRIPTION"])


def test_goals_of_other_participants_on_my_boards_are_included(cal, user, other_user):
    board = cal.board(other_user, "Shared")
    added = cal.api.post(
        f"/api/v1/boards/{board}/participants", other_user, json={"username": user.username, "role": "reader"}
    )
    assert added.status_code == 201
    goal = cal.goal(other_user, cal.category(other_user, board), "Их цель", due_date="2030-02-01")
    assert f"goal-{goal['id']}@kalendar" in cal.events(cal.subscribe(user))


def test_tasks_assigned_to_me_are_timed_utc_events(cal, user, other_user):
    list_id = cal.task_list(other_user, user)
    task = cal.task(
        other_user,
        list_id,
        "Позвонить клиенту",
        deadline="2030-03-05T09:15:00+03:00",
        assignee_id=user.id,
        description="Номер в CRM",
    )
    no_deadline = cal.task(other_user, list_id, "Someday", assignee_id=user.id)
    events = cal.events(cal.subscribe(user))
    event = events[f"task-{task['id']}@kalendar"]
    assert f"task-{no_deadline['id']}@kalendar" not in events
    assert str(event["SUMMARY"]) == "Позвонить клиенту"
    assert event.start == datetime(2030, 3, 5, 6, 15, tzinfo=UTC)
    assert event.start == datetime.fromisoformat(task["deadline"])
    assert event.duration == timedelta(minutes=30)
    assert str(event["DESCRIPTION"]) == "Status: open\n\nНомер в CRM"
    assert "DTSTART:20300305T061500Z" in cal.fetch(cal.subscribe(user)).data.decode()


def test_habits_are_recurring_local_time_events(cal, user):
    cal.set_timezone(user, "Europe/Berlin")
    pleasant = cal.habit(user, action="выпить какао", place="на кухне", time="08:00", is_pleasant=True)
    useful = cal.habit(
        user,
        action="сделать зарядку",
        place="дома",
        time="07:30",
        periodicity_days=3,
        duration_seconds=90,
        related_habit_id=pleasant["id"],
    )
    rewarded = cal.habit(user, action="read", place="the park", reward="a cookie")
    events = cal.events(cal.subscribe(user))
    assert f"habit-{pleasant['id']}@kalendar" not in events  # pleasant habits are rewards, not plans
    event = events[f"habit-{useful['id']}@kalendar"]
    assert str(event["SUMMARY"]) == "сделать зарядку" and str(event["LOCATION"]) == "дома"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert (event.start.hour, event.start.minute) == (7, 30)
    assert event.duration == timedelta(seconds=90)
    assert event["RRULE"].to_ical() == b"FREQ=DAILY;INTERVAL=3"
    assert str(event["DESCRIPTION"]) == (
        "I will сделать зарядку at 07:30 in дома.\nThen: I will выпить какао at 08:00 in на кухне."
    )
    assert str(events[f"habit-{rewarded['id']}@kalendar"]["DESCRIPTION"]).endswith("\nReward: a cookie")


def test_calendar_headers_and_rfc_shape(cal, user):
    cal.set_timezone(user, "America/New_York")
    cal.habit(user)
    cal.goal(user, cal.category(user), "Ё" * 60 + ", a; b\\c", due_date="2030-01-10")
    resp = cal.fetch(cal.subscribe(user))
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert resp.headers["Cache-Control"] == "private, max-age=300"
    text = resp.data.decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines
    assert "PRODID:-//Kalendar//Calendar feed 1.0//EN" in lines
    assert "X-WR-CALNAME:Kalendar — alice" in lines and "X-WR-TIMEZONE:America/New_York" in lines
    assert all(len(line.encode()) <= 75 for line in lines)  # folded at 75 octets, not characters
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:" + "Ё" * 60 + "\\, a\\; b\\\\c" in unfolded  # TEXT escaping, whole characters
    parsed = Calendar.from_ical(resp.data)
    assert [tz.tz_name for tz in parsed.timezones] == ["America/New_York"]
    assert not parsed.get_missing_tzids()


def test_uids_are_stable_and_use_the_public_host(cal, user, app):
    goal = cal.goal(user, cal.category(user), "G", due_date="2030-01-10")
    url = cal.subscribe(user)
    app.config["PUBLIC_URL"] = "https://kalendar.example.org"
    try:
        assert f"goal-{goal['id']}@kalendar.example.org" in cal.events(url)
    finally:
        app.config["PUBLIC_URL"] = ""
    assert list(cal.events(url)) == list(cal.events(url))


def test_include_filter(cal, user):
    goal = cal.goal(user, cal.category(user), "G", due_date="2030-01-10")
    list_id = cal.task_list(user)
    task = cal.task(user, list_id, "T", deadline="2030-01-10T10:00:00Z", assignee_id=user.id)
    habit = cal.habit(user)
    url = cal.subscribe(user)
    uids = {f"goal-{goal['id']}@kalendar", f"task-{task['id']}@kalendar", f"habit-{habit['id']}@kalendar"}
    assert set(cal.events(url)) == uids
    assert set(cal.events(url + "&include=tasks")) == {f"task-{task['id']}@kalendar"}
    assert set(cal.events(url + "&include=goals,habits")) == uids - {f"task-{task['id']}@kalendar"}
    assert not cal.calendar(url + "&include=goals").timezones  # no habit, no VTIMEZONE


def test_unknown_include_is_422(cal, user):
    url = cal.subscribe(user)
    for bad in ("goals,comments", "", ","):
        resp = cal.fetch(url + f"&include={bad}")
        assert resp.status_code == 422, bad
        assert "include" in resp.json["errors"]["query"]


def test_openapi_marks_the_feed_public(client):
    spec = client.get("/openapi.json").json
    operation = spec["paths"][FEED]["get"]
    assert operation["security"] == []
    assert "text/calendar" in operation["responses"]["200"]["content"]
    assert {p["name"] for p in operation["parameters"]} >= {"token", "include"}
