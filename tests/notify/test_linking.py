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


def _wrong(code: str) -> str:
    return "999999" if code != "999999" else "999998"


@pytest.fixture
def verify_limits(app):
    saved = {k: app.config[k] for k in ("RATELIMIT_VERIFY", "RATELIMIT_VERIFY_IP", "RATELIMIT_VERIFY_GLOBAL")}
    yield app.config
    app.config.update(saved)


def test_more_accounts_from_one_address_do_not_mean_more_guesses(api, verify_limits):
    """An attacker signs up many accounts: the per-address limit stops the guessing all the same."""
    verify_limits["RATELIMIT_VERIFY_IP"] = "8/15minute"
    code = new_code()
    accounts = [api.signup_and_login(f"sock{i}") for i in range(3)]
    statuses = []
    for who in accounts:
        for _ in range(4):
            statuses.append(
                api.patch(
                    VERIFY, who, json={"verification_code": _wrong(code)}, environ_base={"REMOTE_ADDR": "10.6.6.6"}
                ).status_code
            )
    assert statuses.count(422) == 8 and statuses.count(429) == 4
    # the owner of the code, elsewhere, still links
    owner = api.signup_and_login("owner")
    ok = api.patch(VERIFY, owner, json={"verification_code": code}, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert ok.status_code == 200


def test_wrong_codes_are_also_limited_for_everyone_together(api, verify_limits):
    """Many accounts on many addresses: the global ceiling bounds the guesses at the live codes."""
    verify_limits["RATELIMIT_VERIFY_GLOBAL"] = "6/15minute"
    code = new_code()
    statuses = []
    for i in range(4):
        who = api.signup_and_login(f"bot{i}")
        for _ in range(2):
            statuses.append(
                api.patch(
                    VERIFY, who, json={"verification_code": _wrong(code)}, environ_base={"REMOTE_ADDR": f"10.7.0.{i}"}
                ).status_code
            )
    assert statuses == [422] * 6 + [429] * 2


def test_a_right_code_does_not_spend_the_budget(api, user, verify_limits):
    verify_limits["RATELIMIT_VERIFY"] = "2/15minute"
    for chat in range(3):
        assert api.patch(VERIFY, user, json={"verification_code": new_code(chat_id=7000 + chat)}).status_code == 200


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
