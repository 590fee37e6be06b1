"""Signup rules: password strength, uniqueness, no mass assignment."""

import pytest

from tests.factories import DEFAULT_PASSWORD


def field_errors(resp) -> dict:
    assert resp.json["code"] == resp.status_code
    return resp.json["errors"]["json"]


def test_signup_returns_the_user_without_secrets(api):
    resp = api.signup("alice", email="a@example.com", first_name="Alice", last_name="Liddell")
    assert resp.status_code == 201
    body = resp.json
    assert body["username"] == "alice"
    assert body["email"] == "a@example.com"
    assert body["timezone"] == "Europe/Moscow"
    assert body["telegram"] == {"linked": False, "username": None}
    assert body["date_joined"].endswith("+00:00")
    assert not {"password", "password_hash", "is_superuser"} & set(body)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "too short"),
        ("1234567890123", "entirely numeric"),
        ("password1", "too common"),
        ("qwertyuiop", "too common"),
    ],
)
def test_weak_passwords_are_refused(api, password, message):
    resp = api.signup("alice", password)
    assert resp.status_code == 422
    assert any(message in m for m in field_errors(resp)["password"])


def test_password_too_similar_to_username_or_email(api):
    resp = api.signup("margarita", "margarita99")
    assert resp.status_code == 422
    assert any("similar to the username" in m for m in field_errors(resp)["password"])
    resp = api.signup("bob", "zanzibar-sun", email="zanzibar.sun@example.com")
    assert resp.status_code == 422
    assert any("similar to the email" in m for m in field_errors(resp)["password"])


def test_password_repeat_must_match(api):
    resp = api.client.post(
        "/api/v1/auth/signup",
        json={"username": "alice", "password": DEFAULT_PASSWORD, "password_repeat": DEFAULT_PASSWORD + "x"},
    )
    assert resp.status_code == 422
    assert "password_repeat" in field_errors(resp)


def test_username_is_unique_whatever_the_case(api):
    assert api.signup("Alice").status_code == 201
    resp = api.signup("aLICE")
    assert resp.status_code == 409
    assert resp.json["status"] == "Conflict"
    assert "username" in resp.json["errors"]["json"]


def test_emails_may_repeat(api):
    assert api.signup("alice", email="same@example.com").status_code == 201
    assert api.signup("bob", email="same@example.com").status_code == 201


def test_unknown_and_privileged_fields_are_rejected(api, app):
    resp = api.signup("alice", is_superuser=True)
    assert resp.status_code == 422
    assert "is_superuser" in field_errors(resp)
    assert api.login("alice").status_code == 401  # nothing was created


@pytest.mark.parametrize("username", ["", "a b", "bad/name", "x" * 151])
def test_bad_usernames(api, username):
    resp = api.signup(username)
    assert resp.status_code == 422
    assert "username" in field_errors(resp)


def test_missing_fields_and_wrong_types(api):
    resp = api.client.post("/api/v1/auth/signup", json={"username": 5})
    assert resp.status_code == 422
    errors = field_errors(resp)
    assert {"username", "password", "password_repeat"} <= set(errors)


def test_malformed_json_is_400_in_the_envelope(api):
    resp = api.client.post("/api/v1/auth/signup", data="{nope", content_type="application/json")
    assert resp.status_code == 400
    assert resp.json["code"] == 400 and resp.json["status"] == "Bad Request"


def test_password_is_stored_as_argon2id_hash(api, app):
    from app.auth.services import get_user_by_username

    api.signup("alice")
    user = get_user_by_username("alice")
    assert user.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in user.password_hash
