"""The signature of a token is checked once per process (app.common.verified_tokens); nothing else is remembered."""

import time
from datetime import timedelta

import jwt as pyjwt
from flask_jwt_extended import create_access_token

from app.auth.models import AuthSession
from app.extensions import db
from tests.auth.test_tokens import ME, assert_401, bearer


def _count_pyjwt_decodes(monkeypatch) -> list[int]:
    import flask_jwt_extended.jwt_manager as manager

    calls = []
    real = manager.jwt.decode

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(manager.jwt, "decode", counting)
    return calls


def test_a_token_seen_before_is_not_parsed_again(api, user, monkeypatch):
    assert api.get(ME, headers=bearer(user.access_token)).status_code == 200
    calls = _count_pyjwt_decodes(monkeypatch)
    for _ in range(3):
        assert api.get(ME, headers=bearer(user.access_token)).status_code == 200
    assert calls == []


def test_a_changed_byte_is_checked_in_full_and_refused(api, user):
    assert api.get(ME, headers=bearer(user.access_token)).status_code == 200
    header, payload, signature = user.access_token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert_401(api.get(ME, headers=bearer(f"{header}.{payload}.{flipped}")))
    claims = pyjwt.decode(user.access_token, options={"verify_signature": False})
    other_key = pyjwt.encode({**claims, "sub": claims["sub"]}, "y" * 32, algorithm="HS256")
    assert_401(api.get(ME, headers=bearer(other_key)))


def test_a_remembered_token_is_refused_once_revoked(api, user):
    assert api.get(ME, headers=bearer(user.access_token)).status_code == 200
    db.session.execute(db.update(AuthSession).values(revoked_at=db.func.now()))
    db.session.commit()
    resp = api.get(ME, headers=bearer(user.access_token))
    assert_401(resp)
    assert "revoked" in resp.json["message"]


def test_a_remembered_token_is_refused_once_expired(api, user, app):
    claims = pyjwt.decode(user.access_token, options={"verify_signature": False})
    with app.test_request_context():
        token = create_access_token(
            identity=str(user.id), additional_claims={"sid": claims["sid"]}, expires_delta=timedelta(seconds=1)
        )
    assert api.get(ME, headers=bearer(token)).status_code == 200
    time.sleep(1.2)
    resp = api.get(ME, headers=bearer(token))
    assert_401(resp)
    assert "expired" in resp.json["message"]


def test_another_signing_key_does_not_reuse_the_memory(api, user, app, monkeypatch):
    assert api.get(ME, headers=bearer(user.access_token)).status_code == 200
    monkeypatch.setitem(app.config, "JWT_SECRET_KEY", "another-jwt-secret-key-0123456789abcdef")
    assert_401(api.get(ME, headers=bearer(user.access_token)))


def test_the_header_of_a_token_seen_before_is_not_parsed_again(api, user, monkeypatch):
    """flask-jwt-extended reads the header once more after the claims: remembered per token string too."""
    assert api.get(ME, headers=bearer(user.access_token)).status_code == 200
    calls = []
    real = pyjwt.get_unverified_header
    monkeypatch.setattr(pyjwt, "get_unverified_header", lambda token: calls.append(token) or real(token))
    for _ in range(3):
        assert api.get(ME, headers=bearer(user.access_token)).status_code == 200
    assert calls == []
    other = create_access_token(identity=str(user.id), additional_claims={"sid": "x"}, additional_headers={"kid": "k1"})
    assert_401(api.get(ME, headers=bearer(other)))  # a new string: its header is parsed (and the session refused)
    assert calls
