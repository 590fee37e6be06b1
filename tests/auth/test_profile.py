"""Profile reads and updates."""


def test_patch_profile(api, user):
    resp = api.patch("/api/v1/auth/me", user, json={"first_name": "Alice", "timezone": "Asia/Vladivostok"})
    assert resp.status_code == 200
    assert resp.json["first_name"] == "Alice"
    assert resp.json["timezone"] == "Asia/Vladivostok"
    assert api.get("/api/v1/auth/me", user).json["timezone"] == "Asia/Vladivostok"


def test_unknown_timezone_is_422(api, user):
    resp = api.patch("/api/v1/auth/me", user, json={"timezone": "Mars/Olympus"})
    assert resp.status_code == 422
    assert "timezone" in resp.json["errors"]["json"]


def test_profile_cannot_change_username_or_privileges(api, user):
    for field, value in (("username", "root"), ("is_superuser", True), ("id", 1), ("date_joined", "2020-01-01")):
        resp = api.patch("/api/v1/auth/me", user, json={field: value})
        assert resp.status_code == 422, field
        assert field in resp.json["errors"]["json"]
    assert api.get("/api/v1/auth/me", user).json["username"] == user.username


def test_bad_body_without_token_answers_401_first(api):
    resp = api.client.patch("/api/v1/auth/me", json={"timezone": "Mars/Olympus"})
    assert resp.status_code == 401


def test_the_profile_is_one_query_after_the_token_check_whatever_it_shows(app, api, user):
    """The token check reads user and session; everything the profile adds (Telegram, calendar feed) is one
    more query, linked or not."""
    from sqlalchemy import event

    from app.extensions import db
    from app.notify.models import TelegramLink

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        bare = api.get("/api/v1/auth/me", user)
        assert len(statements) == 2, "\n---\n".join(statements)
        assert bare.json["telegram"] == {"linked": False, "username": None}
        assert bare.json["calendar_feed"] == {"active": False}
        db.session.add(TelegramLink(user_id=user.id, chat_id=424242, username=None))
        db.session.flush()
        assert api.post("/api/v1/calendar/feed-token", user).status_code == 200
        statements.clear()
        linked = api.get("/api/v1/auth/me", user)
        assert len(statements) == 2, "\n---\n".join(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert linked.json["telegram"] == {"linked": True, "username": None}
    assert linked.json["calendar_feed"] == {"active": True}
    assert linked.json["username"] == user.username and linked.json["id"] == user.id
