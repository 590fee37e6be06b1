"""One-tap linking: POST /api/v1/bot/link-token gives a t.me deep link; /start <token> links the chat."""

from __future__ import annotations

import hashlib
import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from telebot import apihelper, types

from app.bot.handlers import handle_update
from app.bot.poller import build_bot
from app.common.timeutil import utcnow
from app.extensions import db
from app.notify.models import LinkToken, TelegramLink
from tests.bot import bot_helpers as h

URL = "/api/v1/bot/link-token"
CHAT = 8001
_ids = itertools.count(90_000)


@pytest.fixture
def send(app, fake_telegram):
    previous = apihelper.API_URL
    bot = build_bot(app)

    def send_update(update: dict) -> list[str]:
        before = len(fake_telegram.messages())
        update.setdefault("update_id", next(_ids))
        handle_update(app, bot, types.Update.de_json(update))
        return [m["text"] for m in fake_telegram.messages()[before:]]

    yield send_update
    apihelper.API_URL = previous


def _token(api, who) -> str:
    response = api.post(URL, who)
    assert response.status_code == 201, response.json
    match = re.fullmatch(r"https://t\.me/kalendar_test_bot\?start=([A-Za-z0-9_-]+)", response.json["url"])
    assert match, response.json["url"]
    return match.group(1)


def test_the_link_is_to_the_bot_from_getme_with_a_long_random_token_stored_hashed(api, user, fake_telegram):
    started = utcnow()
    response = api.post(URL, user)
    assert response.status_code == 201
    token = response.json["url"].rsplit("=", 1)[1]
    assert len(token) >= 22 and len(token) <= 64  # ≥ 128 bits in base64url, within /start's 64 characters
    expires = response.json["expires_at"]
    stored = db.session.scalar(select(LinkToken).where(LinkToken.user_id == user.id))
    assert timedelta(minutes=9, seconds=55) < stored.expires_at - started < timedelta(minutes=10, seconds=5)
    assert expires.startswith(stored.expires_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert token not in stored.token_hash and stored.token_hash != hashlib.sha256(token.encode()).hexdigest()
    assert _token(api, user) != token  # fresh every time
    assert len({_token(api, user) for _ in range(5)}) == 5
    assert db.session.query(LinkToken).filter_by(user_id=user.id).count() == 1  # a new one replaces the old
    calls = [c["method"] for c in fake_telegram.calls()]
    assert calls.count("getMe") == 1  # the bot's username is cached


def test_link_token_needs_a_session_and_a_reachable_bot(app, api, user, fake_telegram):
    assert api.post(URL).status_code == 401
    fake_telegram.fail("getMe", 500, count=10)
    app.config["TELEGRAM_MAX_ATTEMPTS"], previous = 1, app.config["TELEGRAM_MAX_ATTEMPTS"]
    try:
        response = api.post(URL, user)
    finally:
        app.config["TELEGRAM_MAX_ATTEMPTS"] = previous
    assert response.status_code == 502
    assert db.session.query(LinkToken).count() == 0


def test_start_with_the_token_links_the_chat_once(api, user, send):
    token = _token(api, user)
    assert send(h.message(CHAT, f"/start {token}")) == ["Готово: чат связан с аккаунтом alice. Команды: /help"]
    link = db.session.scalar(select(TelegramLink).where(TelegramLink.chat_id == CHAT))
    assert link.user_id == user.id and link.language_code == "ru"
    assert api.get("/api/v1/bot/status", user).json["linked"] is True
    # reuse: spent, even by the same chat
    assert send(h.message(CHAT, f"/start {token}")) == [
        "Ссылка неверна, устарела или уже использована. Получите новую в приложении."
    ]
    # reuse from another chat: refused, offered the code instead, and links nothing
    [refused, offer] = send(h.message(CHAT + 1, f"/start {token}"))
    assert refused.startswith("Ссылка неверна") and re.search(r"\b\d{6}\b", offer)
    assert db.session.scalar(select(TelegramLink).where(TelegramLink.chat_id == CHAT + 1)) is None


def test_an_expired_or_wrong_token_links_nothing(api, user, send):
    token = _token(api, user)
    db.session.execute(update(LinkToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    for attempt in (token, token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 43, "/etc/passwd"):
        [refused, _offer] = send(h.message(CHAT, f"/start {attempt}"))
        assert refused.startswith("Ссылка неверна")
    assert db.session.scalar(select(TelegramLink).where(TelegramLink.chat_id == CHAT)) is None


def test_a_chat_linked_to_another_account_stays_with_it(api, user, other_user, send):
    h.link(other_user, CHAT)
    token = _token(api, user)
    assert send(h.message(CHAT, f"/start {token}")) == [
        "Этот чат уже связан с аккаунтом mallory: ничего не изменилось. Сначала отвяжите его в профиле того аккаунта."
    ]
    assert db.session.scalar(select(TelegramLink.user_id).where(TelegramLink.chat_id == CHAT)) == other_user.id
    assert api.get("/api/v1/bot/status", user).json["linked"] is False
    # once unlinked there, the same token (still unspent, still fresh) links it
    assert api.delete("/api/v1/bot/link", other_user).status_code == 204
    assert send(h.message(CHAT, f"/start {token}"))[0].startswith("Готово: чат связан с аккаунтом alice.")


def test_linking_by_token_replaces_my_previous_chat_and_same_chat_is_already_linked(api, user, send):
    h.link(user, CHAT + 5)
    token = _token(api, user)
    assert send(h.message(CHAT, f"/start {token}"))[0].startswith("Готово")
    assert db.session.scalars(select(TelegramLink.chat_id).where(TelegramLink.user_id == user.id)).all() == [CHAT]
    again = _token(api, user)
    assert send(h.message(CHAT, f"/start {again}")) == ["Чат уже связан с аккаунтом alice. Команды: /help"]
    assert db.session.query(LinkToken).count() == 0  # spent


def test_the_six_digit_code_flow_stays(api, user, send, app):
    [offer] = send(h.message(CHAT, "/start"))
    code = re.search(r"\b(\d{6})\b", offer).group(1)
    assert api.patch("/api/v1/bot/verify", user, json={"verification_code": code}).json["linked"] is True
