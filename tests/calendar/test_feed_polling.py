"""Cheap polling (ETag, Last-Modified, 304), SEQUENCE on change, and a constant number of statements."""

from datetime import UTC, date, datetime, time, timedelta

import redis
from sqlalchemy import select
from werkzeug.http import http_date

from app.auth.models import User
from app.calendar.models import CalendarFeed
from app.extensions import db
from app.goals.models import Board, BoardParticipant, Category, Goal
from app.habits.models import Habit
from app.teams.models import Task, TaskList, Team, TeamMember


def test_unchanged_feed_answers_304_and_an_edit_answers_200(cal, user):
    goal = cal.goal(user, cal.category(user), "Цель", due_date="2030-01-10")
    url = cal.subscribe(user)
    first = cal.fetch(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert cal.fetch(url).data == first.data  # stable between polls
    again = cal.fetch(url, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert cal.api.patch(f"/api/v1/goals/{goal['id']}", user, json={"title": "Новая цель"}).status_code == 200
    changed = cal.fetch(url, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Новая цель" in changed.data.decode()


def test_sequence_and_last_modified_move_on_edit(cal, user):
    goal = cal.goal(user, cal.category(user), "G", due_date="2030-01-10")
    url = cal.subscribe(user)
    uid = f"goal-{goal['id']}@kalendar"
    assert cal.events(url)[uid]["SEQUENCE"] == 0
    later = datetime.now(UTC) + timedelta(seconds=42)
    row = db.session.get(Goal, goal["id"])
    row.updated_at = later
    db.session.flush()
    event = cal.events(url)[uid]
    assert event["SEQUENCE"] >= 42
    assert event.last_modified == later.replace(microsecond=0)
    assert cal.fetch(url).headers["Last-Modified"] == http_date(later)


def test_habit_edit_bumps_its_sequence_and_reminder_bookkeeping_does_not(cal, user):
    habit = cal.habit(user)
    url = cal.subscribe(user)
    uid = f"habit-{habit['id']}@kalendar"
    before = cal.fetch(url)
    row = db.session.get(Habit, habit["id"])
    row.next_reminder_at = row.next_reminder_at + timedelta(days=1)  # what the reminder job does
    db.session.flush()
    assert cal.fetch(url).data == before.data
    row.created_at -= timedelta(seconds=10)  # so an edit within the same second still shows
    db.session.flush()
    assert cal.api.patch(f"/api/v1/habits/{habit['id']}", user, json={"place": "в парке"}).status_code == 200
    assert cal.events(url)[uid]["SEQUENCE"] >= 10
    assert cal.events(url)[uid]["LOCATION"] == "в парке"


def _backdate(user_id: int, goal_id: int) -> None:
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    goal = db.session.get(Goal, goal_id)
    goal.updated_at = db.session.get(Category, goal.category_id).updated_at = hour_ago
    db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user_id)).created_at = hour_ago
    db.session.flush()


def test_if_modified_since_without_if_none_match(cal, user):
    goal = cal.goal(user, cal.category(user), "G", due_date="2030-01-10")
    url = cal.subscribe(user)
    _backdate(user.id, goal["id"])
    first = cal.fetch(url)
    last_modified = first.headers["Last-Modified"]
    assert cal.fetch(url, **{"If-Modified-Since": last_modified}).status_code == 304
    past = http_date(datetime.now(UTC) - timedelta(days=1))
    assert cal.fetch(url, **{"If-Modified-Since": past}).status_code == 200
    # If-None-Match wins when both are sent.
    assert cal.fetch(url, **{"If-Modified-Since": last_modified, "If-None-Match": '"other"'}).status_code == 200


def test_a_last_modified_under_a_second_old_never_earns_a_304(cal, user):
    cal.goal(user, cal.category(user), "G", due_date="2030-01-10")
    url = cal.subscribe(user)
    last_modified = cal.fetch(url).headers["Last-Modified"]
    assert cal.fetch(url, **{"If-Modified-Since": last_modified}).status_code == 200


def test_a_deletion_moves_last_modified(cal, user):
    list_id = cal.task_list(user)
    task = cal.task(user, list_id, "T", deadline="2030-01-10T10:00:00Z", assignee_id=user.id)
    other = cal.task(user, list_id, "Older", deadline="2030-01-11T10:00:00Z", assignee_id=user.id)
    url = cal.subscribe(user)
    _backdate_tasks(user.id)
    first = cal.fetch(url)
    assert cal.fetch(url, **{"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    # The newest object is deleted: no updated_at is left to tell, the stored ETag does.
    assert cal.api.delete(f"/api/v1/tasks/{task['id']}", user).status_code == 204
    resp = cal.fetch(url, **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert resp.status_code == 200 and f"task-{task['id']}@" not in resp.data.decode()
    assert f"task-{other['id']}@" in resp.data.decode()
    assert cal.fetch(url, **{"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 200


def _backdate_tasks(user_id: int) -> None:
    hours_ago = datetime.now(UTC) - timedelta(hours=2)
    for task in db.session.scalars(select(Task).where(Task.assignee_id == user_id)):
        task.updated_at = task.created_at = hours_ago
    db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user_id)).created_at = hours_ago
    db.session.flush()


def test_empty_feed_last_modified_is_the_feed_creation(cal, user):
    resp = cal.fetch(cal.subscribe(user))
    assert resp.status_code == 200
    assert b"BEGIN:VEVENT" not in resp.data
    assert resp.headers["Last-Modified"]


def _seed(user_id: int, n: int) -> None:
    """n goals, n tasks and n habits (half linked to a pleasant habit) owned by / assigned to the user."""
    board = Board(title="Bench")
    db.session.add(board)
    db.session.flush()
    db.session.add(BoardParticipant(board_id=board.id, user_id=user_id, role="owner"))
    category = Category(title="C", board_id=board.id, author_id=user_id)
    team = Team(name="T")
    db.session.add_all([category, team])
    db.session.flush()
    db.session.add(TeamMember(team_id=team.id, user_id=user_id, role="admin"))
    task_list = TaskList(team_id=team.id, name="L", created_by=user_id)
    db.session.add(task_list)
    db.session.flush()
    pleasant = Habit(
        owner_id=user_id,
        action="p",
        place="p",
        time=time(8),
        duration_seconds=10,
        is_pleasant=True,
        anchor_date=date(2026, 1, 1),
    )
    db.session.add(pleasant)
    db.session.flush()
    for i in range(n):
        db.session.add(
            Goal(
                title=f"g{i}",
                category_id=category.id,
                board_id=board.id,
                author_id=user_id,
                due_date=date(2030, 1, 1) + timedelta(days=i),
            )
        )
        db.session.add(
            Task(
                list_id=task_list.id,
                team_id=team.id,
                title=f"t{i}",
                assignee_id=user_id,
                deadline=datetime(2030, 1, 1, tzinfo=UTC) + timedelta(hours=i),
                created_by=user_id,
            )
        )
        db.session.add(
            Habit(
                owner_id=user_id,
                action=f"h{i}",
                place="x",
                time=time(7, 30),
                duration_seconds=60,
                anchor_date=date(2026, 1, 1),
                related_habit_id=pleasant.id if i % 2 else None,
            )
        )
    db.session.flush()


def test_constant_number_of_statements(cal, api, count_statements):
    counts = []
    for n in (1, 50):
        who = api.signup_and_login(f"bench{n}")
        _seed(who.id, n)
        url = cal.subscribe(who)
        db.session.expire_all()
        count_statements.clear()
        resp = cal.fetch(url)
        assert resp.status_code == 200
        assert resp.data.count(b"BEGIN:VEVENT") == 3 * n
        counts.append(len(count_statements))
    assert counts[0] == counts[1]
    assert counts[0] <= 5  # token + owner, goals, tasks, habits, the stored ETag
    assert db.session.scalar(select(User.id).where(User.username == "bench50"))


def test_unchanged_feed_reuses_the_cached_body_and_an_edit_renders_again(cal, user, monkeypatch):
    from app.calendar import services

    calls = []
    real = services.build_calendar
    monkeypatch.setattr(services, "build_calendar", lambda *a, **k: calls.append(1) or real(*a, **k))
    goal = cal.goal(user, cal.category(user), "G", due_date="2030-01-10")
    url = cal.subscribe(user)
    first = cal.fetch(url).data
    assert cal.fetch(url).data == first and len(calls) == 1
    cal.api.patch(f"/api/v1/goals/{goal['id']}", user, json={"title": "H"})
    assert b"SUMMARY:H" in cal.fetch(url).data and len(calls) == 2


def test_feed_is_served_while_redis_is_down(cal, user, monkeypatch):
    """Redis only caches rendered bodies: an outage costs a render, never the feed."""
    from app.calendar import services

    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(services.redis_store, "_client", dead)
    cal.goal(user, cal.category(user), "G", due_date="2030-01-10")
    resp = cal.fetch(cal.subscribe(user))
    assert resp.status_code == 200 and b"SUMMARY:G" in resp.data
