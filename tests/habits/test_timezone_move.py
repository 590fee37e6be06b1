"""Moving to another time zone keeps reminders at the same local wall-clock time."""

from datetime import UTC, datetime

from app.habits.jobs import job_id

SCHEDULE = "rq:scheduler:scheduled_jobs"


def test_profile_timezone_change_moves_reminders(api, user, make_habit, redis_client):
    habit = make_habit(user, time="07:30")
    pleasant = make_habit(user, time="08:00", is_pleasant=True)
    before = datetime.fromisoformat(habit["next_reminder_at"])
    assert before.astimezone(UTC).hour == 4  # 07:30 in Moscow (UTC+3)

    resp = api.patch("/api/v1/auth/me", user, json={"timezone": "Asia/Vladivostok"})
    assert resp.status_code == 200

    after = datetime.fromisoformat(api.get(f"/api/v1/habits/{habit['id']}", user).json["next_reminder_at"])
    assert (after.hour, after.minute) == (21, 30)  # 07:30 in Vladivostok (UTC+10)
    assert redis_client.zscore(SCHEDULE, job_id(habit["id"])) == after.timestamp()
    assert api.get(f"/api/v1/habits/{pleasant['id']}", user).json["next_reminder_at"] is None


def test_other_profile_changes_leave_reminders_alone(api, user, make_habit, redis_client):
    habit = make_habit(user, time="07:30")
    score = redis_client.zscore(SCHEDULE, job_id(habit["id"]))
    api.patch("/api/v1/auth/me", user, json={"first_name": "Alice", "timezone": "Europe/Moscow"})
    assert api.get(f"/api/v1/habits/{habit['id']}", user).json["next_reminder_at"] == habit["next_reminder_at"]
    assert redis_client.zscore(SCHEDULE, job_id(habit["id"])) == score
