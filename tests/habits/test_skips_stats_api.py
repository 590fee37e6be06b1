"""Skips, undo and stats over HTTP: status codes, the done-or-skipped rule, permissions, statement counts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app.common.timeutil import local_today
from app.extensions import db
from app.habits.models import HabitCompletion, HabitSkip
from tests.factories import ApiClient
from tests.habits.conftest import BASE


def _today():
    return local_today("Europe/Moscow")


def test_skip_defaults_to_today_is_idempotent_and_can_be_taken_back(api, user, make_habit):
    habit = make_habit(user)
    url = f"{BASE}/{habit['id']}/skips"
    first = api.post(url, user, json={})
    assert first.status_code == 201 and first.json["date"] == str(_today())
    again = api.post(url, user, json={"date": str(_today())})
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    shown = api.get(f"{BASE}/{habit['id']}", user).json
    assert (shown["skipped_today"], shown["done_today"]) == (True, False)
    assert [s["date"] for s in api.get(url, user).json] == [str(_today())]
    assert api.delete(f"{url}/{_today()}", user).status_code == 204
    assert api.delete(f"{url}/{_today()}", user).status_code == 204  # nothing left: still fine
    assert api.get(f"{BASE}/{habit['id']}", user).json["skipped_today"] is False


def test_a_day_is_done_or_skipped_never_both(api, user, make_habit):
    habit = make_habit(user)
    base = f"{BASE}/{habit['id']}"
    day = str(_today() - timedelta(days=1))
    assert api.post(f"{base}/completions", user, json={"date": day}).status_code == 201
    refused = api.post(f"{base}/skips", user, json={"date": day})
    assert refused.status_code == 409 and "date" in refused.json["errors"]
    assert api.delete(f"{base}/completions/{day}", user).status_code == 204
    assert api.post(f"{base}/skips", user, json={"date": day}).status_code == 201
    refused = api.post(f"{base}/completions", user, json={"date": day})
    assert refused.status_code == 409
    assert db.session.scalar(select(func.count(HabitCompletion.id))) == 0
    assert db.session.scalar(select(func.count(HabitSkip.id))) == 1


def test_undo_of_today_clears_done_today_and_the_streak(api, user, make_habit):
    habit = make_habit(user)
    base = f"{BASE}/{habit['id']}"
    api.post(f"{base}/completions", user, json={})
    shown = api.get(base, user).json
    assert (shown["done_today"], shown["current_streak"], shown["best_streak"]) == (True, 1, 1)
    assert api.delete(f"{base}/completions/{_today()}", user).status_code == 204
    shown = api.get(base, user).json
    assert (shown["done_today"], shown["current_streak"], shown["best_streak"]) == (False, 0, 0)


@pytest.mark.parametrize("bad", ["2026-13-01", "20260101", "yesterday", "2026-1-1"])
def test_a_bad_date_in_the_path_is_a_422_on_date(api, user, make_habit, bad):
    habit = make_habit(user)
    for url in (f"{BASE}/{habit['id']}/skips/{bad}", f"{BASE}/{habit['id']}/completions/{bad}"):
        response = api.delete(url, user)
        assert response.status_code == 422 and "date" in response.json["errors"]["json"]


def test_skips_ahead_are_allowed_within_a_year(api, user, make_habit):
    url = f"{BASE}/{make_habit(user)['id']}/skips"
    assert api.post(url, user, json={"date": str(_today() + timedelta(days=7))}).status_code == 201
    far = api.post(url, user, json={"date": str(_today() + timedelta(days=400))})
    assert far.status_code == 422 and "date" in far.json["errors"]["json"]
    assert api.post(url, user, json={"date": "not a date"}).status_code == 422


def test_strangers_get_404_on_every_new_route_of_a_private_habit(api, user, other_user, make_habit):
    habit = make_habit(user)
    base = f"{BASE}/{habit['id']}"
    api.post(f"{base}/completions", user, json={})
    api.post(f"{base}/skips", user, json={"date": str(_today() - timedelta(days=1))})
    for response in (
        api.get(f"{base}/stats", other_user),
        api.get(f"{base}/skips", other_user),
        api.post(f"{base}/skips", other_user, json={}),
        api.delete(f"{base}/skips/{_today() - timedelta(days=1)}", other_user),
        api.delete(f"{base}/completions/{_today()}", other_user),
    ):
        assert response.status_code == 404
        assert "streak" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(HabitCompletion.id))) == 1
    assert db.session.scalar(select(func.count(HabitSkip.id))) == 1


def test_public_habit_stats_are_readable_and_its_days_read_only(api, user, other_user, make_habit):
    habit = make_habit(user, is_public=True)
    base = f"{BASE}/{habit['id']}"
    api.post(f"{base}/completions", user, json={})
    stats = api.get(f"{base}/stats", other_user)
    assert stats.status_code == 200 and stats.json["days"][-1] == {"date": str(_today()), "state": "done"}
    for response in (
        api.post(f"{base}/skips", other_user, json={}),
        api.delete(f"{base}/skips/{_today()}", other_user),
        api.delete(f"{base}/completions/{_today()}", other_user),
    ):
        assert response.status_code == 403
    assert db.session.scalar(select(func.count(HabitCompletion.id))) == 1


def test_stats_shape_and_days_bounds(api, user, make_habit):
    url = f"{BASE}/{make_habit(user)['id']}/stats"
    stats = api.get(url, user).json
    assert set(stats) == {"current_streak", "best_streak", "done", "skipped", "missed", "rate", "days"}
    assert len(stats["days"]) == 30 and stats["days"][-1]["date"] == str(_today())
    assert stats["rate"] is None  # created today: nothing was due yet
    assert len(api.get(f"{url}?days=366", user).json["days"]) == 366
    assert len(api.get(f"{url}?days=1", user).json["days"]) == 1
    for bad in ("0", "367", "x"):
        response = api.get(f"{url}?days={bad}", user)
        assert response.status_code == 422 and "days" in response.json["errors"]["query"]


def _count_statements(call) -> int:
    statements = []

    def record(*args):
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_list_with_history_keeps_a_constant_statement_count(api, user, make_habit):
    def add(count):
        for _ in range(count):
            habit = make_habit(user)
            for days in range(3):
                api.post(f"{BASE}/{habit['id']}/completions", user, json={"date": str(_today() - timedelta(days))})
            api.post(f"{BASE}/{habit['id']}/skips", user, json={"date": str(_today() - timedelta(3))})

    add(1)
    few = _count_statements(lambda: api.get(BASE, user))
    add(4)
    many = _count_statements(lambda: api.get(BASE, user))
    assert many == few
    assert [h["current_streak"] for h in api.get(BASE, user).json] == [3] * 5


def test_stats_statement_count_does_not_grow_with_history(api, user, make_habit):
    habit = make_habit(user)
    url = f"{BASE}/{habit['id']}/stats?days=60"
    few = _count_statements(lambda: api.get(url, user))
    for days in range(40):
        api.post(f"{BASE}/{habit['id']}/completions", user, json={"date": str(_today() - timedelta(days))})
    assert _count_statements(lambda: api.get(url, user)) == few


@pytest.mark.live
def test_parallel_done_and_skip_of_one_day_never_both_land(app, user, make_habit):
    """Twenty requests at once, half completing and half skipping the same day: exactly one kind wins."""
    habit = make_habit(user)
    day = str(_today() - timedelta(days=1))
    start = threading.Barrier(20)
    codes: list[int] = []

    def press(kind: str) -> None:
        client = ApiClient(app.test_client())
        start.wait()
        codes.append(client.post(f"{BASE}/{habit['id']}/{kind}", user, json={"date": day}).status_code)

    threads = [threading.Thread(target=press, args=("completions" if i % 2 else "skips",)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.remove()
    done = db.session.scalar(select(func.count(HabitCompletion.id)))
    skipped = db.session.scalar(select(func.count(HabitSkip.id)))
    assert (done, skipped) in ((1, 0), (0, 1))
    assert sorted(set(codes)) in ([200, 201, 409],)
    assert codes.count(201) == 1 and codes.count(409) == 10


@pytest.mark.parametrize("kind", ["completions", "skips"])
def test_completions_and_skips_document_every_answer(client, kind):
    """The two kinds of logged day answer alike (the service decides which rule refuses), and say so."""
    paths = client.get("/openapi.json").json["paths"]
    entries, by_date = paths[f"{BASE}/{{habit_id}}/{kind}"], paths[f"{BASE}/{{habit_id}}/{kind}/{{day}}"]
    assert {"200", "201", "403", "409", "422"} <= set(entries["post"]["responses"])
    assert {"204", "403", "422"} <= set(by_date["delete"]["responses"])
    assert "200" in entries["get"]["responses"]
    assert all(entries[m]["summary"] for m in ("get", "post")) and by_date["delete"]["summary"]
