"""The overdue sweep: one set-based UPDATE, open goals only, idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.goals import jobs
from app.goals.models import Goal
from app.goals.services import mark_overdue_goals, overdue_cutoff


def _status(goal_id):
    return db.session.scalar(select(Goal.status).where(Goal.id == goal_id).execution_options(populate_existing=True))


def test_marks_only_open_goals_past_their_due_date(g, team, count_statements):
    cat = team.category["id"]
    past_todo = g.goal(team.owner, cat, "a", due_date="2030-01-01")["id"]
    past_doing = g.goal(team.owner, cat, "b", due_date="2030-01-01", status="in_progress")["id"]
    past_done = g.goal(team.owner, cat, "c", due_date="2030-01-01", status="done")["id"]
    past_archived = g.goal(team.owner, cat, "d", due_date="2030-01-01", status="archived")["id"]
    due_today = g.goal(team.owner, cat, "e", due_date="2030-01-02")["id"]
    no_date = g.goal(team.owner, cat, "f")["id"]

    now = datetime(2030, 1, 2, 23, 0, tzinfo=UTC)
    count_statements.clear()
    assert mark_overdue_goals(now) == sorted([past_todo, past_doing])
    assert len(count_statements) == 1 and count_statements[0].lstrip().upper().startswith("UPDATE")
    assert [_status(i) for i in (past_todo, past_doing, past_done, past_archived, due_today, no_date)] == [
        "overdue",
        "overdue",
        "done",
        "archived",
        "todo",
        "todo",
    ]
    assert mark_overdue_goals(now) == []  # idempotent


def test_the_due_day_must_be_over_everywhere(g, team):
    """Due on the 10th: not overdue while it is still the 10th at UTC-12 (noon UTC on the 11th)."""
    assert overdue_cutoff(datetime(2030, 1, 11, 11, 59, tzinfo=UTC)).isoformat() == "2030-01-10"
    assert mark_overdue_goals(datetime(2030, 1, 11, 11, 59, tzinfo=UTC)) == []
    assert mark_overdue_goals(datetime(2030, 1, 11, 12, 0, tzinfo=UTC)) == [team.goal["id"]]


def test_job_function_commits_and_counts(g, team, monkeypatch):
    monkeypatch.setattr("app.goals.jobs.utcnow", lambda: datetime(2031, 1, 1, tzinfo=UTC))
    assert jobs.mark_overdue() == 1
    assert _status(team.goal["id"]) == "overdue"
    assert jobs.mark_overdue() == 0
