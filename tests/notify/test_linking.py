"""Linking a chat with a verification code: the API side."""

from datetime import timedelta

import pytest

from app.auth.services import get_user_by_username
from app.common.timeutil import utcnow
from app.extensions import db
from app.notify import linking
from app.notify.models import TelegramLink, VerificationCode

VERIFY = "/api/v1/bot/verify"


def new_code(chat_id=1001, username="alice_tg", now=None) -> str:
    code = linking.issue_code(linking.ChatInfo(chat_id, chat_id + 5, username, "ru"), now=now)
    db.session.commit()
    return code


def test_code_is_six_digits_and_stored_hashed():
    code = new_code()
    assert len(code) == 6 and code.isdigit()
    stored = db.session.query(VerificationCode).one()
    assert code not in stored.code_hash and len(stored.code_hash) == 64


def test_verify_links_the_chat(api, user):
    code = new_code()
    resp = api.patch(VERIFY, user, json={"verification_code": code})
    assert resp.status_code == 200
    assert resp.json == {"linked": True, "telegram_username": "alice_tg"}
    assert api.get("/api/v1/bot/status", user).json == {"linked": True, "telegram_username": "alice_tg"}
    assert api.get("/api/v1/auth/me", user).json["telegram"] == {"linked": True, "username": "alice_tg"}


def test_code_is_single_use(api, user, other_user):
    code = new_code()
    assert api.patch(VERIFY, user, json={"verification_code": code}).status_code == 200
    resp = api.patch(VERIFY, other_user, json={"verification_code": code})
    assert resp.status_code == 422
    assert "verification_code" in resp.json["errors"]["json"]
    assert api.get("/api/v1/bot/status", other_user).json["linked"] is False


def test_wrong_and_expired_codes_are_422(api, user):
    assert api.patch(VERIFY, user, json={"verification_code": "000000"}).status_code in (422,)
    old = new_code(now=utcnow() - timedelta(minutes=11))
    resp = api.patch(VERIFY, user, json={"verification_code": old})
    assert resp.status_code == 422
    assert api.get("/api/v1/bot/status", user).json["linked"] is False


def test_a_new_code_invalidates_the_previous_one(api, user):
    first = new_code()
    second = new_code()
    if first != second:
        assert api.patch(VERIFY, user, json={"verification_code": first}).status_code == 422
    assert api.patch(VERIFY, user, json={"verification_code": second}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"verification_code": 123456}, {"verification_code": "x" * 17}, {"verification_code": "123456", "chat_id": 5}],
)
def test_bad_bodies(api, user, body):
    resp = api.patch(VERIFY, user, json=body)
    assert resp.status_code == 422


def test_brute_force_is_rate_limited_per_user(api, user, other_user):
    code = new_code()
    wrong = "999999" if code != "999999" else "999998"
    for _ in range(5):
        assert api.patch(VERIFY, user, json={"verification_code": wrong}).status_code == 422
    resp = api.patch(VERIFY, user, json={"verification_code": code})
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    # another user is not locked out by alice's failures
    assert api.patch(VERIFY, other_user, json={"verification_code": code}).status_code == 200


def test_chat_already_linked_to_someone_else_moves(api, user, other_user):
    api.patch(VERIFY, user, json={"verification_code": new_code(chat_id=7)})
    resp = api.patch(VERIFY, other_user, json={"verification_code": new_code(chat_id=7)})
    assert resp.status_code == 200
    assert api.get("/api/v1/bot/status", user).json["linked"] is False
    assert db.session.query(TelegramLink).filter_by(chat_id=7).one().user_id == other_user.id


def test_relinking_replaces_my_previous_chat(api, user):
    api.patch(VERIFY, user, json={"verification_code": new_code(chat_id=7)})
    assert api.patch(VERIFY, user, json={"verification_code": new_code(chat_id=8)}).status_code == 200
    links = db.session.query(TelegramLink).filter_by(user_id=user.id).all()
    assert [link.chat_id for link in links] == [8]


def test_unlink(api, user):
    api.patch(VERIFY, user, json={"verification_code": new_code()})
    assert api.delete("/api/v1/bot/link", user).status_code == 204
    assert api.get("/api/v1/bot/status", user).json == {"linked": False, "telegram_username": None}
    assert api.delete("/api/v1/bot/link", user).status_code == 204


def test_endpoints_need_a_token(api):
    assert api.patch(VERIFY, json={"verification_code": "123456"}).status_code == 401
    assert api.get("/api/v1/bot/status").status_code == 401
    assert api.delete("/api/v1/bot/link").status_code == 401


def test_link_survives_for_the_user_model(api, user):
    api.patch(VERIFY, user, json={"verification_code": new_code()})
    assert get_user_by_username(user.username).telegram["linked"] is True
