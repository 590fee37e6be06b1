"""Habit reminders with buttons end to end: worker.py sends, bot.py handles the presses, the fake Telegram
server in between, the real database and Redis behind."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import redis
from sqlalchemy import update

from app.common.timeutil import local_today, utcnow
from app.extensions import db
from app.habits.jobs import schedule_reminder
from app.habits.models import Habit
from fakes.telegram import FakeTelegram
from tests.bot import bot_helpers as h
from tests.habits.conftest import BASE, body
from tests.processes import PYTHON, live_environment, running

CHAT = 7101
STRANGER = 7102


@pytest.fixture
def fake():
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
def env(app, fake):
    return live_environment(
        app,
        TELEGRAM_API_URL=fake.url,
        BOT_POLL_TIMEOUT="1",
        SCHEDULER_INTERVAL="0.2",
        TELEGRAM_SEND_RATE="100",
        TELEGRAM_BACKOFF_SECONDS="0.05",
        REMINDER_SNOOZE_MINUTES="0.05",  # ⏰ brings it back after 3 s
    )


def _worker(env):
    conn = redis.Redis.from_url(env["REDIS_URL"])
    before = conn.scard("rq:workers")
    return running(
        [PYTHON, "worker.py"], env, log_name="worker", timeout=60, ready=lambda: conn.scard("rq:workers") > before
    )


def _bot(env, fake):
    before = sum(1 for c in fake.calls() if c["method"] == "getUpdates")
    ready = lambda: sum(1 for c in fake.calls() if c["method"] == "getUpdates") > before  # noqa: E731
    return running([PYTHON, "bot.py"], env, log_name="bot", ready=ready, timeout=90)


def _due_in(habit_id: int, seconds: float) -> None:
    when = (utcnow() + timedelta(seconds=seconds)).replace(microsecond=0)
    db.session.execute(update(Habit).where(Habit.id == habit_id).values(next_reminder_at=when))
    schedule_reminder(habit_id, when)
    db.session.commit()


def _next_message(fake, count: int, timeout: float = 15) -> dict:
    messages = fake.wait_for_messages(count, timeout=timeout)
    assert len(messages) >= count, messages
    return messages[count - 1]


def _press(fake, message: dict, symbol: str, chat_id: int | None = None) -> str:
    """Press the button starting with `symbol` under `message`; returns the callback's answer text."""
    before = len(fake.wait_for("answerCallbackQuery", 0, timeout=0))
    [data] = [b["callback_data"] for b in message["reply_markup"]["inline_keyboard"][0] if b["text"][0] == symbol]
    fake.push_update(fake.button_press(message, data, chat_id))
    answers = fake.wait_for("answerCallbackQuery", before + 1, timeout=15)
    assert len(answers) == before + 1, "the press was not answered"
    return answers[-1]["params"].get("text")


def _quiet(fake, seconds: float) -> bool:
    before = len(fake.messages())
    time.sleep(seconds)
    return len(fake.messages()) == before


@pytest.mark.live
def test_reminder_buttons_end_to_end(api, fake, env):
    alice = api.signup_and_login("alice")
    mallory = api.signup_and_login("mallory")
    h.link(alice, CHAT)
    h.link(mallory, STRANGER)
    read = api.post(BASE, alice, json=body(action="читать")).json["id"]
    run = api.post(BASE, alice, json=body(action="бегать")).json["id"]
    db.session.commit()
    today = str(local_today("Europe/Moscow"))
    with _worker(env), _bot(env, fake):
        # a reminder arrives with three buttons
        _due_in(read, 2)
        reminder = _next_message(fake, 1)
        assert reminder["chat_id"] == CHAT and reminder["text"] == "Я буду читать в 07:30 в дома"
        assert [b["text"][0] for b in reminder["reply_markup"]["inline_keyboard"][0]] == ["✅", "⏭", "⏰"]

        # a press from a foreign chat is refused and changes nothing
        assert _press(fake, reminder, "✅", chat_id=STRANGER).endswith("ничего не изменилось.")
        assert api.get(f"{BASE}/{read}", alice).json["done_today"] is False
        assert fake.edits() == []

        # ✅ logs the completion (visible over the API), edits the reminder and answers the callback
        assert _press(fake, reminder, "✅") == "✅ Сделано — серия 1"
        [edit] = fake.edits()
        assert (edit["chat_id"], edit["message_id"]) == (CHAT, reminder["message_id"])
        assert edit["text"] == "Я буду читать в 07:30 в дома\n\n✅ Сделано — серия 1"
        assert [c["date"] for c in api.get(f"{BASE}/{read}/completions", alice).json] == [today]

        # a second press changes nothing and says why
        assert _press(fake, reminder, "✅") == f"{today} уже отмечено как сделанное: ничего не изменилось."
        assert len(fake.edits()) == 1 and len(api.get(f"{BASE}/{read}/completions", alice).json) == 1

        # ⏰ brings the reminder back once, with its buttons
        _due_in(run, 1)
        later = _next_message(fake, 2)
        assert later["text"] == "Я буду бегать в 07:30 в дома"
        assert _press(fake, later, "⏰").startswith("⏰ Позже: напомню снова в ")
        assert fake.edits()[-1]["text"].startswith("Я буду бегать в 07:30 в дома\n\n⏰ Позже")
        assert _press(fake, later, "⏰").startswith("Это напоминание уже отложено до ")
        again = _next_message(fake, 3, timeout=20)
        assert again["text"] == later["text"] and again["reply_markup"] == later["reply_markup"]
        assert _quiet(fake, 4), "the postponed reminder came back more than once"

        # a day already done gets no reminder
        _due_in(read, 1)
        assert _quiet(fake, 4), "a reminder went out for a day already done"
    assert len(fake.messages()) == 3
