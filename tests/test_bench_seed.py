"""The benchmark seed stays in step with the schema: its set-based inserts run on a small volume."""

from sqlalchemy import func, select, text

from app.extensions import db
from app.goals.models import Goal
from app.habits.models import Habit
from app.teams.models import Task
from bench.seed import SQL


def test_seed_statements_fit_the_current_schema():
    params = {
        "pw": "$argon2id$unused",
        "users": 40,
        "boards": 4,
        "cpb": 2,
        "goals": 40,
        "habits": 20,
        "teams": 4,
        "mpt": 10,
        "tasks": 40,
    }
    for sql in SQL:
        db.session.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(Goal)) == 40
    assert db.session.scalar(select(func.count()).select_from(Habit)) == 20
    assert db.session.scalar(select(func.count()).select_from(Task)) == 40
