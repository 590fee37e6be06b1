"""Login, refresh rotation, logout, password change and every way a token can be bad."""

import base64
import json
from datetime import timedelta

import jwt as pyjwt
from flask_jwt_extended import create_access_token

from app.auth.models import AuthSession
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD

ME = "/api/v1/auth/me"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_401(resp):
    assert resp.status_code == 401
    assert resp.json["code"] == 401
    assert resp.json["status"] == "Unauthorized"
    assert resp.json["message"]


def test_login_returns_tokens_and_user(api):
    api.signup("alice")
    resp = api.login("alice")
    assert resp.status_code == 200
    assert set(resp.json) == {"access_token", "refresh_token", "user"}
    assert resp.json["user"]["username"] == "alice"


def test_login_is_case_insensitive_on_username(api):
    api.signup("Alice")
    assert api.login("alice").status_code == 200


def test_login_failure_does_not_reveal_whether_the_user_exists(api):
    api.signup("alice")
    wrong_password = api.login("alice", "not-the-password")
    no_such_user = api.login("nobody", "not-the-password")
    assert wrong_password.status_code == no_such_user.status_code == 401
    assert wrong_password.json == no_such_user.json


def test_missing_token_is_401_envelope(api):
    assert_401(api.get(ME))


def test_refresh_rotates_and_the_new_token_works_once(api, user):
    resp = api.client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token))
    assert resp.status_code == 200
    assert set(resp.json) == {"access_token", "refresh_token"}
    assert api.get(ME, headers=bearer(resp.json["access_token"])).status_code == 200
    again = api.client.post("/api/v1/auth/refresh", headers=bearer(resp.json["refresh_token"]))
    assert again.status_code == 200
    assert_401(api.client.post("/api/v1/auth/refresh", headers=bearer(resp.json["refresh_token"])))


def test_reusing_a_rotated_refresh_token_ends_the_whole_session(api, user):
    """A thief replays the refresh token the owner already rotated: every token of the session dies."""
    owner = api.client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)).json
    assert api.get(ME, headers=bearer(owner["access_token"])).status_code == 200
    assert_401(api.client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)))  # the replay
    assert_401(api.get(ME, headers=bearer(owner["access_token"])))
    assert_401(api.client.post("/api/v1/auth/refresh", headers=bearer(owner["refresh_token"])))
    # the user's other sessions are untouched
    other = api.login(user.username).json
    assert api.get(ME, headers=bearer(other["access_token"])).status_code == 200


def test_a_session_ends_at_its_absolute_lifetime_however_often_it_refreshes(api, app, user):
    pair = api.client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)).json
    row = db.session.scalars(db.select(AuthSession).where(AuthSession.user_id == user.id)).one()
    row.created_at = row.created_at - timedelta(seconds=app.config["JWT_SESSION_MAX_AGE"] + 60)
    db.session.commit()
    assert_401(api.get(ME, headers=bearer(pair["access_token"])))
    assert_401(api.client.post("/api/v1/auth/refresh", headers=bearer(pair["refresh_token"])))


def test_refresh_token_cannot_be_used_as_access_token(api, user):
    assert_401(api.get(ME, headers=bearer(user.refresh_token)))


def test_access_token_cannot_be_used_to_refresh(api, user):
    assert_401(api.client.post("/api/v1/auth/refresh", headers=bearer(user.access_token)))


def test_logout_revokes_access_and_refresh(api, user):
    resp = api.post("/api/v1/auth/logout", user, json={"refresh_token": user.refresh_token})
    assert resp.status_code == 204
    assert_401(api.get(ME, user))
    assert_401(api.client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)))


def test_logout_without_body_still_kills_the_refresh_token(api, user):
    assert api.post("/api/v1/auth/logout", user).status_code == 204
    assert_401(api.client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)))


def test_logout_leaves_other_sessions_alive(api, user):
    second = api.login(user.username).json
    api.post("/api/v1/auth/logout", user)
    assert api.get(ME, headers=bearer(second["access_token"])).status_code == 200


def test_password_change_revokes_other_sessions_only(api, user):
    other = api.login(user.username).json
    resp = api.put(
        "/api/v1/auth/me/password",
        user,
        json={"old_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-passphrase"},
    )
    assert resp.status_code == 204
    assert api.get(ME, user).status_code == 200
    assert_401(api.get(ME, headers=bearer(other["access_token"])))
    assert_401(api.client.post("/api/v1/auth/refresh", headers=bearer(other["refresh_token"])))
    assert api.login(user.username, "a-brand-new-passphrase").status_code == 200
    assert api.login(user.username, DEFAULT_PASSWORD).status_code == 401


def test_password_change_checks_old_password_and_strength(api, user):
    wrong = api.put(
        "/api/v1/auth/me/password",
        user,
        json={"old_password": "nope-nope-nope", "new_password": "a-brand-new-passphrase"},
    )
    assert wrong.status_code == 422 and "old_password" in wrong.json["errors"]["json"]
    weak = api.put(
        "/api/v1/auth/me/password", user, json={"old_password": DEFAULT_PASSWORD, "new_password": "12345678"}
    )
    assert weak.status_code == 422 and "new_password" in weak.json["errors"]["json"]


def _forge(payload: dict, key: str, alg: str = "HS256") -> str:
    return pyjwt.encode(payload, key, algorithm=alg)


def test_forged_tokens_are_401(api, user, app):
    claims = pyjwt.decode(user.access_token, options={"verify_signature": False})
    # wrong key
    assert_401(api.get(ME, headers=bearer(_forge(claims, "x" * 32))))
    # alg none
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    assert_401(api.get(ME, headers=bearer(f"{header.decode()}.{body.decode()}.")))
    # garbage
    assert_401(api.get(ME, headers=bearer("not.a.token")))
    # another user's id in a token signed with the right key but no live session
    forged = dict(claims, sub=str(user.id + 1000))
    assert_401(api.get(ME, headers=bearer(_forge(forged, app.config["JWT_SECRET_KEY"]))))


def test_expired_token_is_401(api, user, app):
    claims = pyjwt.decode(user.access_token, options={"verify_signature": False})
    with app.test_request_context():
        token = create_access_token(
            identity=str(user.id), additional_claims={"sid": claims["sid"]}, expires_delta=timedelta(seconds=-10)
        )
    resp = api.get(ME, headers=bearer(token))
    assert_401(resp)
    assert "expired" in resp.json["message"]


def test_deactivated_user_tokens_are_refused(api, user, app):
    from app.auth import services
    from app.auth.services import get_user_by_username
    from app.extensions import db

    services.set_active(get_user_by_username(user.username), False)
    db.session.commit()
    assert_401(api.get(ME, user))
    assert api.login(user.username).status_code == 401
