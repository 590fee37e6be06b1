import time

import pytest

from app.extensions import db
from app.notify import client, delivery
from app.notify.models import TelegramLink


@pytest.fixture
def link(user):
    row = TelegramLink(user_id=user.id, chat_id=555, telegram_user_id=555)
    db.session.add(row)
    db.session.flush()
    return row


def test_sends_through_the_bot_api(app, fake_telegram, link, user):
    assert delivery.send_to_user(user.id, "привет", key="hello") == "sent"
    [message] = fake_telegram.messages()
    assert message["chat_id"] == 555 and message["text"] == "привет"


def test_the_bots_reply_waits_retry_after_in_its_own_process_then_sends_once(app, fake_telegram):
    fake_telegram.fail("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    assert client.send_message(1, "x")
    assert time.monotonic() - started >= 0.95
    assert len(fake_telegram.messages()) == 1
    assert [c["status"] for c in fake_telegram.calls()] == [429, 200]


def test_5xx_and_timeouts_are_retried(app, fake_telegram):
    app.config["TELEGRAM_TIMEOUT"] = 0.3
    try:
        fake_telegram.fail("sendMessage", 502, count=2)
        fake_telegram.fail("sendMessage", "timeout", delay=0.6)
        assert client.send_message(1, "x")
    finally:
        app.config["TELEGRAM_TIMEOUT"] = 2.0
    assert len(fake_telegram.messages()) == 1


def test_retries_are_bounded(app, fake_telegram):
    fake_telegram.fail("sendMessage", 500, count=50)
    assert client.send_message(1, "x") is False
    assert len(fake_telegram.calls()) == app.config["TELEGRAM_MAX_ATTEMPTS"]


def test_403_marks_the_link_blocked_and_stops_sending(app, fake_telegram, link, user):
    fake_telegram.fail("sendMessage", 403)
    assert client.send_message(555, "x") is False
    db.session.refresh(link)
    assert link.blocked_at is not None
    assert delivery.send_to_user(user.id, "x", key="after") == "not sent"
    assert len(fake_telegram.calls()) == 1  # no retry of a 403, nothing sent to a blocked chat


def test_not_linked_sends_nothing(app, fake_telegram, user):
    assert delivery.send_to_user(user.id, "x", key="nobody") == "not sent"
    assert fake_telegram.calls() == []


def test_global_rate_is_honoured(app, fake_telegram):
    app.config["TELEGRAM_SEND_RATE"] = 10
    try:
        started = time.monotonic()
        for i in range(25):
            assert client.send_message(1, str(i))
        elapsed = time.monotonic() - started
    finally:
        app.config["TELEGRAM_SEND_RATE"] = 25.0
    # a burst of 10, then 10/s: 15 more need at least 1.5 s
    assert elapsed >= 1.4
    stamps = [m["at"] for m in fake_telegram.messages()]
    assert len(stamps) == 25 and stamps[-1] - stamps[10] >= 1.3


def test_the_token_never_reaches_the_log(app, caplog):
    app.config["TELEGRAM_API_URL"] = "http://127.0.0.1:9"
    app.config["TELEGRAM_MAX_ATTEMPTS"] = 2
    try:
        assert client.send_message(1, "x") is False
    finally:
        app.config["TELEGRAM_MAX_ATTEMPTS"] = 5
    assert app.config["TELEGRAM_BOT_TOKEN"] not in caplog.text


def test_fake_server_serves_updates_with_offset_semantics(fake_telegram):
    import requests

    base = f"{fake_telegram.url}/bot123:ABC"
    assert requests.get(f"{base}/getMe", timeout=2).json()["result"]["is_bot"]
    fake_telegram.push_update([fake_telegram.text_message(7, "/start"), fake_telegram.text_message(7, "/help")])
    first = requests.get(f"{base}/getUpdates", params={"timeout": 0}, timeout=2).json()["result"]
    assert [u["message"]["text"] for u in first] == ["/start", "/help"]
    after = requests.post(f"{base}/getUpdates", json={"offset": first[0]["update_id"] + 1}, timeout=2).json()
    assert [u["message"]["text"] for u in after["result"]] == ["/help"]
    started = time.monotonic()
    empty = requests.get(
        f"{base}/getUpdates", params={"offset": first[1]["update_id"] + 1, "timeout": 0.5}, timeout=3
    ).json()["result"]
    assert empty == [] and time.monotonic() - started >= 0.45
    requests.post(f"{fake_telegram.url}/_control/fail", json={"method": "getUpdates", "status": 409}, timeout=2)
    assert requests.get(f"{base}/getUpdates", timeout=2).status_code == 409
    requests.post(f"{base}/sendMessage?chat_id=7&text=hi", timeout=2)
    assert requests.get(f"{fake_telegram.url}/_control/messages", timeout=2).json()[0]["text"] == "hi"
