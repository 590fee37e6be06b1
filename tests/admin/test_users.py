"""The users admin: no password hash anywhere, passwords and activity only through the auth services."""

from __future__ import annotations

import csv
import io

from app.auth.models import AuthSession, User
from app.extensions import db
from tests.admin.conftest import csrf_from


def _hash_of(user_id: int) -> str:
    return db.session.get(User, user_id).password_hash


def test_password_hash_is_on_no_page(admin_client, user, root):
    digest = _hash_of(user.id)
    assert digest and digest.startswith("$argon2")
    pages = [
        "/admin/users/",
        f"/admin/users/details/?id={user.id}",
        f"/admin/users/edit/?id={user.id}",
        "/admin/users/new/",
        "/admin/users/export/csv/",
        f"/admin/users/password/{user.id}/",
        "/admin/users/?search=alice",
        "/admin/sessions/",
        "/admin/",
    ]
    for path in pages:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert "$argon2" not in body and digest not in body, path
        assert "password_hash" not in body, path


def test_search_and_filter_users(admin_client, user, other_user):
    found = admin_client.get("/admin/users/?search=mall").text
    assert "mallory" in found and "alice" not in found
    # Flask-Admin's filter ids follow column_filters: 0 = is_active equals
    active_only = admin_client.get("/admin/users/?flt0_0=1").text
    assert "mallory" in active_only


def _action(client, action: str, *ids: int):
    page = client.get("/admin/users/")
    return client.post(
        "/admin/users/action/",
        data={"action": action, "rowid": [str(i) for i in ids], "csrf_token": csrf_from(page.text)},
    )


def test_deactivate_revokes_the_users_api_tokens(admin_client, api, user):
    assert api.get("/api/v1/auth/me", user).status_code == 200
    assert _action(admin_client, "deactivate", user.id).status_code == 302
    assert db.session.get(User, user.id).is_active is False
    assert api.get("/api/v1/auth/me", user).status_code == 401
    assert api.login("alice").status_code == 401
    assert _action(admin_client, "activate", user.id).status_code == 302
    assert api.login("alice").status_code == 200
    assert api.get("/api/v1/auth/me", user).status_code == 401  # old tokens stay dead


def test_list_action_without_csrf_is_refused(admin_client, api, user):
    response = admin_client.post("/admin/users/action/", data={"action": "deactivate", "rowid": [str(user.id)]})
    assert response.status_code == 302
    assert db.session.get(User, user.id).is_active is True
    assert api.get("/api/v1/auth/me", user).status_code == 200


def test_admin_cannot_deactivate_themselves(admin_client, root):
    _action(admin_client, "deactivate", root.id)
    assert db.session.get(User, root.id).is_active is True


def test_set_password_uses_the_strength_rules_and_ends_sessions(admin_client, api, user):
    url = f"/admin/users/password/{user.id}/"
    before = _hash_of(user.id)
    weak = admin_client.post(
        url,
        data={
            "password": "12345678",
            "password_repeat": "12345678",
            "csrf_token": csrf_from(admin_client.get(url).text),
        },
    )
    assert weak.status_code == 422
    assert _hash_of(user.id) == before
    good = "a-new-and-long-passphrase"
    done = admin_client.post(
        url, data={"password": good, "password_repeat": good, "csrf_token": csrf_from(admin_client.get(url).text)}
    )
    assert done.status_code == 302
    assert _hash_of(user.id) != before and _hash_of(user.id).startswith("$argon2")
    assert api.get("/api/v1/auth/me", user).status_code == 401
    assert api.login("alice", good).status_code == 200


def test_set_password_without_csrf_is_refused(admin_client, user):
    before = _hash_of(user.id)
    response = admin_client.post(
        f"/admin/users/password/{user.id}/",
        data={"password": "a-new-and-long-passphrase", "password_repeat": "a-new-and-long-passphrase"},
    )
    assert response.status_code == 400
    assert _hash_of(user.id) == before


def test_edit_runs_the_profile_validation(admin_client, user):
    url = f"/admin/users/edit/?id={user.id}"
    csrf = csrf_from(admin_client.get(url).text)
    response = admin_client.post(
        url,
        data={
            "email": "not-an-email",
            "first_name": "A",
            "last_name": "B",
            "timezone": "Mars/Olympus",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 200  # the form again, with errors; never a 500
    refreshed = db.session.get(User, user.id)
    assert refreshed.timezone != "Mars/Olympus" and refreshed.email != "not-an-email"
    csrf = csrf_from(admin_client.get(url).text)
    ok = admin_client.post(
        url,
        data={
            "email": "alice@example.test",
            "first_name": "Alice",
            "last_name": "L",
            "timezone": "Europe/Berlin",
            "csrf_token": csrf,
        },
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).timezone == "Europe/Berlin"


def test_create_goes_through_the_signup_rules(admin_client, api):
    csrf = csrf_from(admin_client.get("/admin/users/new/").text)
    weak = admin_client.post(
        "/admin/users/new/", data={"username": "newbie", "password": "password", "csrf_token": csrf}
    )
    assert weak.status_code == 200
    assert db.session.query(User).filter_by(username="newbie").count() == 0
    csrf = csrf_from(admin_client.get("/admin/users/new/").text)
    made = admin_client.post(
        "/admin/users/new/",
        data={"username": "newbie", "password": "a-fine-passphrase", "email": "n@example.test", "csrf_token": csrf},
    )
    assert made.status_code == 302
    assert api.login("newbie", "a-fine-passphrase").status_code == 200
    csrf = csrf_from(admin_client.get("/admin/users/new/").text)
    clash = admin_client.post(
        "/admin/users/new/", data={"username": "NEWBIE", "password": "a-fine-passphrase", "csrf_token": csrf}
    )
    assert clash.status_code == 200
    assert db.session.query(User).filter(User.username.ilike("newbie")).count() == 1


def test_delete_is_not_offered(admin_client, user):
    page = admin_client.get("/admin/users/")
    response = admin_client.post("/admin/users/delete/", data={"id": str(user.id), "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert db.session.get(User, user.id) is not None


def test_revoke_a_session(admin_client, api, user):
    session_id = db.session.query(AuthSession.id).filter_by(user_id=user.id).scalar()
    page = admin_client.get("/admin/sessions/")
    assert page.status_code == 200 and "alice" in page.text
    admin_client.post(
        "/admin/sessions/action/",
        data={"action": "revoke", "rowid": [str(session_id)], "csrf_token": csrf_from(page.text)},
    )
    assert api.get("/api/v1/auth/me", user).status_code == 401


def test_user_export_neutralises_formula_cells(admin_client, api, user):
    """A user names themselves `=cmd|...`: the admin's CSV export must not hand a formula to a spreadsheet."""
    evil = "=cmd|' /C calc'!A0"
    assert api.patch("/api/v1/auth/me", user, json={"first_name": evil, "last_name": "@SUM(1)"}).status_code == 200
    body = admin_client.get("/admin/users/export/csv/").get_data(as_text=True)
    row = next(r for r in csv.DictReader(io.StringIO(body)) if "alice" in r.values())
    assert "'" + evil in row.values() and "'@SUM(1)" in row.values()
    assert evil not in [value for value in row.values()]
