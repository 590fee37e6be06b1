"""`flask seed-demo` builds a usable data set through the services, once."""

from sqlalchemy import func, select

from app.extensions import db
from app.goals.models import Goal
from app.habits.models import Habit
from app.teams.models import Task


def test_seed_demo_creates_everything_once(app, api):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--password", "a-demo-passphrase"])
    assert first.exit_code == 0, first.output
    assert "3 users" in first.output and "6 goals" in first.output
    assert db.session.scalar(select(func.count()).select_from(Goal)) == 6
    assert db.session.scalar(select(func.count()).select_from(Habit)) == 4
    assert db.session.scalar(select(func.count()).select_from(Task)) == 4

    # the demo users can log in and see their shared data through the API
    login = api.login("alice", "a-demo-passphrase")
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json['access_token']}"}
    boards = api.client.get("/api/v1/boards", headers=headers).json
    assert {b["title"] for b in boards} == {"Personal", "Семья и дом"}
    assert len(api.client.get("/api/v1/tasks?assignee=me", headers=headers).json) == 1

    again = runner.invoke(args=["seed-demo", "--password", "a-demo-passphrase"])
    assert again.exit_code == 0
    assert "already there" in again.output
    assert db.session.scalar(select(func.count()).select_from(Goal)) == 6
