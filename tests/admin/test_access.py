"""Who gets into /admin/: active superusers only; everyone else sees the login page or a 403, never data."""

from __future__ import annotations

import pytest

from app.auth import services
from app.auth.models import User
from app.extensions import db
from tests.admin.conftest import admin_login, csrf_from, make_user

PAGES = ["/admin/", "/admin/users/", "/admin/sessions/", "/admin/telegram_links/", "/admin/users/export/csv/"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_the_login_page(client, user, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")
    assert "alice" not in response.text


def test_anonymous_post_changes_nothing(client, user):
    response = client.post("/admin/users/action/", data={"action": "deactivate", "rowid": [str(user.id)]})
    assert response.status_code == 302
    assert db.session.get(User, user.id).is_active


def test_login_page_is_a_csrf_protected_form_with_a_hardened_cookie(client, root):
    page = client.get("/admin/login/")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"


def test_superuser_logs_in_and_sees_users(admin_client, user):
    response = admin_client.get("/admin/users/")
    assert response.status_code == 200
    assert "alice" in response.text and "root" in response.text


def test_non_superuser_gets_403_after_login(client, user):
    response = admin_login(client, "alice")
    assert response.status_code == 403
    assert "alice@" not in response.text
    assert client.get("/admin/users/").status_code == 302  # no session was started


def test_inactive_superuser_is_refused(client):
    make_user("sleeper", superuser=True, active=False)
    response = admin_login(client, "sleeper")
    assert response.status_code == 401
    assert client.get("/admin/users/").status_code == 302


def test_wrong_password_is_refused(client, root):
    response = admin_login(client, "root", "not-the-password")
    assert response.status_code == 401
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused(client, root):
    client.get("/admin/login/")
    response = client.post("/admin/login/", data={"username": "root", "password": "correct-horse-battery-staple"})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_failed_logins_are_rate_limited(app, client, root):
    limit = int(app.config["RATELIMIT_LOGIN"].split("/")[0])
    for _ in range(limit):
        assert admin_login(client, "root", "wrong-password-1").status_code == 401
    blocked = admin_login(client, "root")  # even the right password waits now
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0


def test_open_redirect_after_login_is_refused(client, root):
    page = client.get("/admin/login/?next=https://evil.example/")
    response = client.post(
        "/admin/login/?next=https://evil.example/",
        data={"username": "root", "password": "correct-horse-battery-staple", "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"] == "/admin/"


def test_session_ends_when_the_superuser_is_deactivated(admin_client, root):
    assert admin_client.get("/admin/users/").status_code == 200
    services.set_active(db.session.get(User, root.id), False)
    db.session.commit()
    assert admin_client.get("/admin/users/").status_code == 302
    services.set_active(db.session.get(User, root.id), True)
    db.session.commit()
    assert admin_client.get("/admin/users/").status_code == 302  # the session is gone for good


def test_session_ends_when_superuser_is_revoked(admin_client, root):
    db.session.get(User, root.id).is_superuser = False
    db.session.commit()
    assert admin_client.get("/admin/").status_code == 302


def test_session_ends_when_the_password_is_reset(admin_client, root):
    services.set_password(db.session.get(User, root.id), "another-long-passphrase")
    db.session.commit()
    assert admin_client.get("/admin/").status_code == 302


def test_logout_needs_csrf_and_ends_the_session(admin_client):
    assert admin_client.post("/admin/logout/").status_code == 400
    assert admin_client.get("/admin/").status_code == 200
    page = admin_client.get("/admin/")
    assert admin_client.post("/admin/logout/", data={"csrf_token": csrf_from(page.text)}).status_code == 302
    assert admin_client.get("/admin/").status_code == 302


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, admin_client):
    """The signed cookie is not the session: logout deletes the server-side record it names."""
    stolen = admin_client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    page = admin_client.get("/admin/")
    assert admin_client.post("/admin/logout/", data={"csrf_token": csrf_from(page.text)}).status_code == 302
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    response = thief.get("/admin/users/")
    assert response.status_code == 302 and "/admin/login/" in response.headers["Location"]


def test_admin_cookie_gives_nothing_on_the_api(admin_client):
    response = admin_client.get("/api/v1/auth/me")
    assert response.status_code == 401


def test_russian_interface_follows_the_browser(client, root):
    login = client.get("/admin/login/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert "Войти" in login.text
    admin_login(client, "root", **{"Accept-Language": "ru"})
    users = client.get("/admin/users/", headers={"Accept-Language": "ru"})
    assert "Пользователи" in users.text  # ours
    assert "Список" in users.text  # Flask-Admin's own catalog
    english = client.get("/admin/users/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Users" in english.text and "Пользователи" not in english.text
