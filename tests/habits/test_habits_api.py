import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.habits.conftest import BASE, body


def errors(response):
    return response.json["errors"]["json"]


def test_create_returns_every_field_and_schedules_a_reminder(api, user, redis_client):
    r = api.post(BASE, user, json=body())
    assert r.status_code == 201
    assert set(r.json) == {
        "id",
        "action",
        "place",
        "time",
        "periodicity_days",
        "duration_seconds",
        "is_pleasant",
        "related_habit_id",
        "reward",
        "is_public",
        "next_reminder_at",
        "current_streak",
        "best_streak",
        "done_today",
        "skipped_today",
        "owner_id",
        "created_at",
    }
    assert r.json["time"] == "07:30" and r.json["owner_id"] == user.id
    assert redis_client.zscore("rq:scheduler:scheduled_jobs", f"habit-reminder-{r.json['id']}") is not None


def test_missing_token_is_401_before_validation(api):
    assert api.post(BASE, json={"bad": 1}).status_code == 401


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("periodicity_days", 0, False),
        ("periodicity_days", 1, True),
        ("periodicity_days", 7, True),
        ("periodicity_days", 8, False),
        ("duration_seconds", 0, False),
        ("duration_seconds", 1, True),
        ("duration_seconds", 120, True),
        ("duration_seconds", 121, False),
        ("time", "24:00", False),
        ("time", "7:30", False),
        ("periodicity_days", 1.5, False),
    ],
)
def test_boundaries_on_create_put_and_patch(api, user, make_habit, field, value, ok):
    created = api.post(BASE, user, json=body(**{field: value}))
    assert created.status_code == (201 if ok else 422)
    habit = make_habit(user)
    put = api.put(f"{BASE}/{habit['id']}", user, json=body(**{field: value}))
    patch = api.patch(f"{BASE}/{habit['id']}", user, json={field: value})
    for response in (put, patch):
        assert response.status_code == (200 if ok else 422)
        if not ok:
            assert field in errors(response)


def test_unknown_and_readonly_fields_are_rejected(api, user):
    r = api.post(BASE, user, json=body(owner_id=99, id=5))
    assert r.status_code == 422 and {"owner_id", "id"} <= set(errors(r))


def test_reward_and_related_together_are_refused(api, user, make_habit):
    pleasant = make_habit(user, is_pleasant=True)
    r = api.post(BASE, user, json=body(reward="кофе", related_habit_id=pleasant["id"]))
    assert r.status_code == 422 and {"reward", "related_habit_id"} <= set(errors(r))


def test_patch_cannot_bypass_the_rules_by_halves(api, user, make_habit):
    pleasant = make_habit(user, is_pleasant=True)
    habit = make_habit(user, related_habit_id=pleasant["id"])
    r = api.patch(f"{BASE}/{habit['id']}", user, json={"reward": "кофе"})
    assert r.status_code == 422 and "reward" in errors(r)
    rewarded = make_habit(user, reward="кофе")
    r = api.patch(f"{BASE}/{rewarded['id']}", user, json={"related_habit_id": pleasant["id"]})
    assert r.status_code == 422
    # switching both at once in one PATCH is fine
    r = api.patch(f"{BASE}/{rewarded['id']}", user, json={"related_habit_id": pleasant["id"], "reward": None})
    assert r.status_code == 200 and r.json["related_habit_id"] == pleasant["id"]


def test_put_checks_the_rules_too(api, user, make_habit):
    pleasant = make_habit(user, is_pleasant=True)
    habit = make_habit(user)
    r = api.put(f"{BASE}/{habit['id']}", user, json=body(reward="x", related_habit_id=pleasant["id"]))
    assert r.status_code == 422


def test_related_habit_must_be_my_own_pleasant_one_and_not_itself(api, user, other_user, make_habit):
    not_pleasant = make_habit(user)
    foreign = make_habit(other_user, is_pleasant=True, is_public=True)
    for target in (not_pleasant["id"], foreign["id"], 999999):
        r = api.post(BASE, user, json=body(related_habit_id=target))
        assert r.status_code == 422 and "related_habit_id" in errors(r)
    r = api.patch(f"{BASE}/{not_pleasant['id']}", user, json={"related_habit_id": not_pleasant["id"]})
    assert r.status_code == 422 and "related_habit_id" in errors(r)


def test_pleasant_habit_has_no_reward_nor_related(api, user, make_habit):
    pleasant = make_habit(user, is_pleasant=True)
    r = api.post(BASE, user, json=body(is_pleasant=True, reward="x"))
    assert r.status_code == 422 and "reward" in errors(r)
    r = api.post(BASE, user, json=body(is_pleasant=True, related_habit_id=pleasant["id"]))
    assert r.status_code == 422 and "related_habit_id" in errors(r)
    rewarded = make_habit(user, reward="x")
    r = api.patch(f"{BASE}/{rewarded['id']}", user, json={"is_pleasant": True})
    assert r.status_code == 422 and "reward" in errors(r)


def test_linked_pleasant_habit_cannot_turn_unpleasant(api, user, make_habit):
    pleasant = make_habit(user, is_pleasant=True)
    make_habit(user, related_habit_id=pleasant["id"])
    for call in (api.patch, api.put):
        payload = {"is_pleasant": False} if call == api.patch else body(is_pleasant=False)
        r = call(f"{BASE}/{pleasant['id']}", user, json=payload)
        assert r.status_code == 422 and "is_pleasant" in errors(r)
    lonely = make_habit(user, is_pleasant=True)
    assert api.patch(f"{BASE}/{lonely['id']}", user, json={"is_pleasant": False}).status_code == 200


def test_pleasant_habits_have_no_reminder(api, user, make_habit, redis_client):
    pleasant = make_habit(user, is_pleasant=True)
    assert pleasant["next_reminder_at"] is None
    assert redis_client.zscore("rq:scheduler:scheduled_jobs", f"habit-reminder-{pleasant['id']}") is None


def test_deleting_a_pleasant_habit_clears_links(api, user, make_habit, redis_client):
    pleasant = make_habit(user, is_pleasant=True)
    habit = make_habit(user, related_habit_id=pleasant["id"])
    assert api.delete(f"{BASE}/{pleasant['id']}", user).status_code == 204
    assert api.get(f"{BASE}/{habit['id']}", user).json["related_habit_id"] is None
    assert api.delete(f"{BASE}/{habit['id']}", user).status_code == 204
    key = f"habit-reminder-{habit['id']}"
    assert redis_client.zscore("rq:scheduler:scheduled_jobs", key) is None
    assert not redis_client.exists(f"rq:job:{key}")


def test_strangers_get_404_on_every_route_of_a_private_habit(api, user, other_user, make_habit):
    habit = make_habit(user)
    url = f"{BASE}/{habit['id']}"
    for response in (
        api.get(url, other_user),
        api.put(url, other_user, json=body()),
        api.patch(url, other_user, json={"place": "x"}),
        api.delete(url, other_user),
        api.get(f"{url}/completions", other_user),
        api.post(f"{url}/completions", other_user, json={}),
    ):
        assert response.status_code == 404
        assert "сделать" not in response.get_data(as_text=True)
    assert api.get(BASE, other_user).json == []


def test_public_habits_are_readable_and_read_only_for_others(api, user, other_user, make_habit):
    public = make_habit(user, is_public=True)
    make_habit(user)
    url = f"{BASE}/{public['id']}"
    assert api.get(url, other_user).status_code == 200
    listed = api.get(f"{BASE}/public", other_user)
    assert [h["id"] for h in listed.json] == [public["id"]]
    assert api.get(f"{url}/completions", other_user).status_code == 200
    for response in (
        api.put(url, other_user, json=body()),
        api.patch(url, other_user, json={"place": "x"}),
        api.delete(url, other_user),
        api.post(f"{url}/completions", other_user, json={}),
    ):
        assert response.status_code == 403


def test_own_list_is_paginated_by_five(api, user, make_habit):
    for _ in range(7):
        make_habit(user)
    r = api.get(BASE, user)
    assert len(r.json) == 5
    assert '"total": 7' in r.headers["X-Pagination"]
    assert len(api.get(f"{BASE}?page=2", user).json) == 2


def test_completions_default_to_today_are_idempotent_and_refuse_the_future(api, user, make_habit):
    habit = make_habit(user)
    url = f"{BASE}/{habit['id']}/completions"
    first = api.post(url, user, json={})
    assert first.status_code == 201
    again = api.post(url, user, json={})
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert api.post(url, user, json={"date": "2999-01-01"}).status_code == 422
    api.post(url, user, json={"date": "2020-01-01"})
    history = api.get(url, user).json
    assert [c["date"] for c in history] == [first.json["date"], "2020-01-01"]


def test_current_streak_respects_periodicity(api, user, make_habit):
    from datetime import timedelta

    from app.common.timeutil import local_today

    today = local_today("Europe/Moscow")
    daily = make_habit(user)
    every3 = make_habit(user, periodicity_days=3)
    for days in (0, 1, 2, 5):
        api.post(f"{BASE}/{daily['id']}/completions", user, json={"date": str(today - timedelta(days=days))})
    for days in (2, 5, 8, 12):
        api.post(f"{BASE}/{every3['id']}/completions", user, json={"date": str(today - timedelta(days=days))})
    assert api.get(f"{BASE}/{daily['id']}", user).json["current_streak"] == 3
    assert api.get(f"{BASE}/{every3['id']}", user).json["current_streak"] == 3
    stale = make_habit(user)
    api.post(f"{BASE}/{stale['id']}/completions", user, json={"date": str(today - timedelta(days=3))})
    assert api.get(f"{BASE}/{stale['id']}", user).json["current_streak"] == 0


def test_list_uses_a_constant_number_of_statements(api, user, make_habit, app):
    for _ in range(2):
        make_habit(user)

    def count_list():
        statements = []

        def record(*args):
            statements.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert api.get(BASE, user).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    few = count_list()
    for _ in range(3):
        make_habit(user)
    assert count_list() == few
