"""The token is the only credential: dead tokens are 404, and nobody else's data ever shows."""

from sqlalchemy import update

from app.auth.models import User
from app.extensions import db

FEED = "/api/v1/calendar/feed.ics"


def assert_404(resp):
    assert resp.status_code == 404
    assert resp.json["code"] == 404 and resp.json["status"] == "Not Found"
    assert b"VCALENDAR" not in resp.data


def test_missing_and_unknown_tokens_are_404(cal, user):
    cal.subscribe(user)
    assert_404(cal.fetch(FEED))
    assert_404(cal.fetch(FEED + "?token="))
    assert_404(cal.fetch(FEED + "?token=not-a-real-token"))
    assert_404(cal.fetch(FEED + "?token=" + "x" * 200))


def test_rotated_token_is_404_and_the_new_one_works(cal, user):
    old = cal.subscribe(user)
    assert cal.fetch(old).status_code == 200
    new = cal.subscribe(user)
    assert_404(cal.fetch(old))
    assert cal.fetch(new).status_code == 200


def test_revoked_token_is_404(cal, user):
    url = cal.subscribe(user)
    assert cal.api.delete("/api/v1/calendar/feed-token", user).status_code == 204
    assert_404(cal.fetch(url))


def test_deactivated_owner_is_404(cal, user):
    url = cal.subscribe(user)
    db.session.execute(update(User).where(User.id == user.id).values(is_active=False))
    assert_404(cal.fetch(url))


def test_a_jwt_is_neither_needed_nor_enough(cal, user):
    url = cal.subscribe(user)
    assert cal.api.client.get(url).status_code == 200  # no Authorization header
    assert_404(cal.api.get(FEED, user))


def test_other_users_objects_never_appear(cal, user, other_user):
    # Theirs: a goal on a board I am not on, a task in their team, a task in my team assigned to them,
    # a private and a public habit.
    their_goal = cal.goal(other_user, cal.category(other_user), "Secret goal", due_date="2030-01-10")
    their_list = cal.task_list(other_user)
    their_task = cal.task(
        other_user, their_list, "Secret task", deadline="2030-01-10T10:00:00Z", assignee_id=other_user.id
    )
    shared_list = cal.task_list(user, other_user)
    not_mine = cal.task(user, shared_list, "Their task", deadline="2030-01-10T10:00:00Z", assignee_id=other_user.id)
    unassigned = cal.task(user, shared_list, "Nobody's", deadline="2030-01-10T10:00:00Z")
    private = cal.habit(other_user, action="secret habit")
    public = cal.habit(other_user, action="public habit", is_public=True)
    # Mine, so the feed is not trivially empty.
    mine = cal.task(user, shared_list, "Mine", deadline="2030-01-10T10:00:00Z", assignee_id=user.id)
    body = cal.fetch(cal.subscribe(user)).data.decode()
    assert f"task-{mine['id']}@" in body
    for uid in (
        f"goal-{their_goal['id']}@",
        f"task-{their_task['id']}@",
        f"task-{not_mine['id']}@",
        f"task-{unassigned['id']}@",
        f"habit-{private['id']}@",
        f"habit-{public['id']}@",
    ):
        assert uid not in body
    assert "Secret" not in body and "secret habit" not in body and "public habit" not in body
    assert "mallory" not in body


def test_goals_vanish_when_i_leave_the_board(cal, user, other_user):
    board = cal.board(other_user, "Shared")
    cal.api.post(f"/api/v1/boards/{board}/participants", other_user, json={"username": user.username, "role": "writer"})
    goal = cal.goal(other_user, cal.category(other_user, board), "Shared goal", due_date="2030-01-10")
    url = cal.subscribe(user)
    assert f"goal-{goal['id']}@kalendar" in cal.events(url)
    assert cal.api.delete(f"/api/v1/boards/{board}/participants/{user.id}", user).status_code == 204
    assert f"goal-{goal['id']}@kalendar" not in cal.events(url)


def test_feed_is_rate_limited_per_token(cal, user, other_user, app):
    app.config["RATELIMIT_FEED"] = "3/minute"
    try:
        url, theirs = cal.subscribe(user), cal.subscribe(other_user)
        for _ in range(3):
            assert cal.fetch(url).status_code == 200
        resp = cal.fetch(url)
        assert resp.status_code == 429
        assert resp.json["code"] == 429 and int(resp.headers["Retry-After"]) > 0
        assert cal.fetch(theirs).status_code == 200  # another token has its own budget
    finally:
        app.config["RATELIMIT_FEED"] = "60/minute"


def test_rate_limit_keys_hold_no_token(cal, user, app, redis_client):
    url = cal.subscribe(user)
    token = url.split("token=")[1]
    assert cal.fetch(url).status_code == 200
    keys = b" ".join(redis_client.keys("*"))
    assert b"feed:" in keys and token.encode() not in keys
