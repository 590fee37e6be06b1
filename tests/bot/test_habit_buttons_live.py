"""Habit reminders with buttons end to end: worker.py sends, bot.py handles the presses, the fake Telegram
server in between, the real database and Redis behind."""

from __future__ import annotations

import pytest

from app.common.timeutil import local_today
from app.extensions import db
from tests.bot import bot_helpers as h
from tests.habits.conftest import BASE, body, due_in
from tests.processes import bot, worker

CHAT = 7101
STRANGER = 7102


@pytest.fixture
def telegram_env(telegram_env):
    return {**telegram_env, "REMINDER_SNOOZE_MINUTES": "0.05"}  # ⏰ brings it back after 3 s


def _next_message(fake_telegram, count: int, timeout: float = 15) -> dict:
    messages = fake_telegram.wait_for_messages(count, timeout=timeout)
    assert len(messages) >= count, messages
    return messages[count - 1]


def _press(fake_telegram, message: dict, symbol: str, chat_id: int | None = None) -> str:
    """Press the button starting with `symbol` under `message`; returns the callback's answer text."""
    before = len(fake_telegram.wait_for("answerCallbackQuery", 0, timeout=0))
    [data] = [b["callback_data"] for b in message["reply_markup"]["inline_keyboard"][0] if b["text"][0] == symbol]
    fake_telegram.push_update(fake_telegram.button_press(message, data, chat_id))
    answers = fake_telegram.wait_for("answerCallbackQuery", before + 1, timeout=15)
    assert len(answers) == before + 1, "the press was not answered"
    return answers[-1]["params"].get("text")


@pytest.mark.live
def test_reminder_buttons_end_to_end(api, fake_telegram, telegram_env):
    alice = api.signup_and_login("alice")
    mallory = api.signup_and_login("mallory")
    h.link(alice, CHAT)
    h.link(mallory, STRANGER)
    read = api.post(BASE, alice, json=body(action="читать")).json["id"]
    run = api.post(BASE, alice, json=body(action="бегать")).json["id"]
    db.session.commit()
    today = str(local_today("Europe/Moscow"))
    with worker(telegram_env), bot(telegram_env, fake_telegram):
        # a reminder arrives with three buttons
        due_in(read, 2)
        reminder = _next_message(fake_telegram, 1)
        assert reminder["chat_id"] == CHAT and reminder["text"] == "Я буду читать в 07:30 в дома"
        assert [b["text"][0] for b in reminder["reply_markup"]["inline_keyboard"][0]] == ["✅", "⏭", "⏰"]

        # a press from a foreign chat is refused and changes nothing
        assert _press(fake_telegram, reminder, "✅", chat_id=STRANGER).endswith("ничего не изменилось.")
        assert api.get(f"{BASE}/{read}", alice).json["done_today"] is False
        assert fake_telegram.edits() == []

        # ✅ logs the completion (visible over the API), edits the reminder and answers the callback
        assert _press(fake_telegram, reminder, "✅") == "✅ Сделано — серия 1"
        [edit] = fake_telegram.edits()
        assert (edit["chat_id"], edit["message_id"]) == (CHAT, reminder["message_id"])
        assert edit["text"] == "Я буду читать в 07:30 в дома\n\n✅ Сделано — серия 1"
        assert [c["date"] for c in api.get(f"{BASE}/{read}/completions", alice).json] == [today]

        # a second press changes nothing and says why
        assert _press(fake_telegram, reminder, "✅") == f"{today} уже отмечено как сделанное: ничего не изменилось."
        assert len(fake_telegram.edits()) == 1 and len(api.get(f"{BASE}/{read}/completions", alice).json) == 1

        # ⏰ brings the reminder back once, with its buttons
        due_in(run, 1)
        later = _next_message(fake_telegram, 2)
        assert later["text"] == "Я буду бегать в 07:30 в дома"
        assert _press(fake_telegram, later, "⏰").startswith("⏰ Позже: напомню снова в ")
        assert fake_telegram.edits()[-1]["text"].startswith("Я буду бегать в 07:30 в дома\n\n⏰ Позже")
        assert _press(fake_telegram, later, "⏰").startswith("Это напоминание уже отложено до ")
        again = _next_message(fake_telegram, 3, timeout=20)
        assert again["text"] == later["text"] and again["reply_markup"] == later["reply_markup"]
        assert h.quiet(fake_telegram, 4), "the postponed reminder came back more than once"

        # a day already done gets no reminder
        due_in(read, 1)
        assert h.quiet(fake_telegram, 4), "a reminder went out for a day already done"
    assert len(fake_telegram.messages()) == 3
