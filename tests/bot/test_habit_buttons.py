"""The ✅ ⏭ ⏰ buttons of habit reminders and of /habits, in-process through handle_update and the fake Bot API."""

from __future__ import annotations

import itertools
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from telebot import types

from app.auth.models import User
from app.bot.handlers import handle_update
from app.bot.poller import build_bot
from app.common.timeutil import local_today, utcnow
from app.extensions import db
from app.habits.jobs import send_reminder, send_snoozed, snooze_job_id
from app.habits.models import Habit, HabitCompletion, HabitSkip, HabitSnooze
from tests.bot import bot_helpers as h
from tests.habits.conftest import BASE, body

CHAT = 6001
STRANGER = 6002
SCHEDULE = "rq:scheduler:scheduled_jobs"
_ids = itertools.count(50_000)


@pytest.fixture
def press(app, bot, fake_telegram):
    """Press a button under a message the bot sent; returns (answer text, new edits)."""

    def press_button(message: dict, data: str, chat_id: int | None = None, language_code: str = "ru"):
        answers, edits = len(fake_telegram.answers()), len(fake_telegram.edits())
        update = fake_telegram.button_press(message, data, chat_id, language_code)
        update["update_id"] = next(_ids)
        handle_update(app, bot, types.Update.de_json(update))
        [answer] = fake_telegram.answers()[answers:]
        return answer.get("text"), fake_telegram.edits()[edits:]

    return press_button


@pytest.fixture
def alice(api):
    who = api.signup_and_login("alice")
    h.link(who, CHAT)
    return who


def _today():
    return local_today("Europe/Moscow")


def _remind(api, who, fake_telegram, **fields) -> tuple[dict, dict]:
    """A habit of `who` whose reminder is due now, sent; returns (habit, the reminder message)."""
    made = api.post(BASE, who, json=body(**fields))
    assert made.status_code == 201, made.json
    when = (utcnow() - timedelta(seconds=1)).replace(microsecond=0)
    db.session.execute(update(Habit).where(Habit.id == made.json["id"]).values(next_reminder_at=when))
    before = len(fake_telegram.messages())
    assert send_reminder(made.json["id"], when.isoformat()) == "sent"
    [message] = fake_telegram.messages()[before:]
    return made.json, message


def _buttons(message: dict) -> list[dict]:
    [row] = message["reply_markup"]["inline_keyboard"]
    return row


def _data(message: dict, symbol: str) -> str:
    return next(b["callback_data"] for b in _buttons(message) if b["text"].startswith(symbol))


def test_a_reminder_carries_three_buttons_in_the_chat_s_language(api, alice, fake_telegram):
    habit, message = _remind(api, alice, fake_telegram)
    assert [b["text"] for b in _buttons(message)] == ["✅ Сделано", "⏭ Пропустить", "⏰ Позже"]
    stamp = f"{_today():%Y%m%d}"
    assert [b["callback_data"] for b in _buttons(message)] == [f"h{v}:{habit['id']}:{stamp}" for v in "dsl"]
    english = api.signup_and_login("bob")
    h.link(english, CHAT + 100, language_code="en-GB")
    _habit, message = _remind(api, english, fake_telegram)
    assert [b["text"] for b in _buttons(message)] == ["✅ Done", "⏭ Skip", "⏰ Later"]


def test_done_logs_the_day_edits_the_reminder_and_a_second_press_changes_nothing(api, alice, fake_telegram, press):
    habit, message = _remind(api, alice, fake_telegram)
    for days in (1, 2):
        api.post(f"{BASE}/{habit['id']}/completions", alice, json={"date": str(_today() - timedelta(days))})
    answer, [edit] = press(message, _data(message, "✅"))
    assert answer == "✅ Сделано — серия 3"
    assert edit["text"] == f"{message['text']}\n\n✅ Сделано — серия 3"
    assert "reply_markup" not in edit or not edit["reply_markup"]  # the buttons go
    shown = api.get(f"{BASE}/{habit['id']}", alice).json
    assert (shown["done_today"], shown["current_streak"]) == (True, 3)

    answer, edits = press(message, _data(message, "✅"))
    assert answer == f"{_today()} уже отмечено как сделанное: ничего не изменилось." and edits == []
    answer, edits = press(message, _data(message, "⏭"))
    assert answer == f"{_today()} уже отмечено как сделанное: ничего не изменилось." and edits == []
    answer, edits = press(message, _data(message, "⏰"))
    assert answer == f"{_today()} уже отмечено как сделанное: ничего не изменилось." and edits == []
    assert db.session.scalar(select(func.count(HabitCompletion.id))) == 3
    assert db.session.scalar(select(func.count(HabitSkip.id))) == 0
    assert db.session.scalar(select(func.count(HabitSnooze.id))) == 0


def test_skip_keeps_the_streak_and_is_shown_in_english(api, fake_telegram, press):
    bob = api.signup_and_login("bob")
    h.link(bob, CHAT, language_code="en")
    habit, message = _remind(api, bob, fake_telegram)
    api.post(f"{BASE}/{habit['id']}/completions", bob, json={"date": str(_today() - timedelta(1))})
    answer, [edit] = press(message, _data(message, "⏭"), language_code="en")
    assert answer == "⏭ Skipped — streak 1" and edit["text"].endswith("\n\n⏭ Skipped — streak 1")
    assert api.get(f"{BASE}/{habit['id']}", bob).json["skipped_today"] is True
    answer, edits = press(message, _data(message, "✅"), language_code="en")
    assert answer == f"{_today()} is already skipped: nothing changed." and edits == []


def test_presses_from_another_chat_or_on_a_deleted_habit_change_nothing(api, alice, fake_telegram, press):
    habit, message = _remind(api, alice, fake_telegram)
    mallory = api.signup_and_login("mallory")
    h.link(mallory, STRANGER)
    for symbol in ("✅", "⏭", "⏰"):
        answer, edits = press(message, _data(message, symbol), chat_id=STRANGER)
        assert answer == "Эта привычка принадлежит другому аккаунту: ничего не изменилось." and edits == []
    answer, edits = press(message, _data(message, "✅"), chat_id=STRANGER + 1)  # a chat linked to nobody
    assert answer == "Сначала свяжите чат с аккаунтом." and edits == []
    assert db.session.scalar(select(func.count(HabitCompletion.id))) == 0
    assert db.session.scalar(select(func.count(HabitSnooze.id))) == 0
    assert api.delete(f"{BASE}/{habit['id']}", alice).status_code == 204
    answer, edits = press(message, _data(message, "✅"))
    assert answer == "Эта привычка удалена: ничего не изменилось." and edits == []
    for forged in ("hx:1:20260101", f"hd:{habit['id']}:2026-01-01", "hd:abc:20260101", "garbage"):
        answer, edits = press(message, forged)
        assert answer == "Эта кнопка устарела." and edits == []


def test_an_old_reminder_logs_its_own_day(api, alice, fake_telegram, press):
    habit, message = _remind(api, alice, fake_telegram)
    yesterday = _today() - timedelta(1)
    old = f"hd:{habit['id']}:{yesterday:%Y%m%d}"
    answer, _edits = press(message, old)
    assert answer == "✅ Сделано — серия 1"
    dates = db.session.scalars(select(HabitCompletion.date)).all()
    assert dates == [yesterday]
    answer, edits = press(message, f"hl:{habit['id']}:{yesterday:%Y%m%d}")
    assert answer == f"{yesterday} уже отмечено как сделанное: ничего не изменилось." and edits == []
    answer, edits = press(message, f"hs:{habit['id']}:{(_today() - timedelta(2)):%Y%m%d}")
    assert answer == "⏭ Пропущено — серия 1"


def test_later_comes_back_once_with_the_buttons(app, api, alice, fake_telegram, press, redis_client):
    habit, message = _remind(api, alice, fake_telegram)
    pressed_at = utcnow()
    answer, [edit] = press(message, _data(message, "⏰"))
    snooze = db.session.scalar(select(HabitSnooze))
    due = snooze.due_at
    assert timedelta(minutes=15) - timedelta(seconds=5) < due - pressed_at < timedelta(minutes=15, seconds=5)
    local = due.astimezone(ZoneInfo("Europe/Moscow")).strftime("%H:%M")
    assert answer == f"⏰ Позже: напомню снова в {local}" and edit["text"].endswith(answer)
    job = snooze_job_id(habit["id"], _today())
    assert redis_client.zscore(SCHEDULE, job) == due.timestamp()
    answer, edits = press(message, _data(message, "⏰"))  # once per day
    assert answer == f"Это напоминание уже отложено до {local}: ничего не изменилось." and edits == []

    before = len(fake_telegram.messages())
    assert send_snoozed(habit["id"], _today().isoformat()) == "early"  # not yet: put back
    db.session.execute(update(HabitSnooze).values(due_at=utcnow() - timedelta(seconds=1)))
    assert send_snoozed(habit["id"], _today().isoformat()) == "sent"
    assert send_snoozed(habit["id"], _today().isoformat()) == "duplicate"
    [again] = fake_telegram.messages()[before:]
    assert again["text"] == message["text"] and again["reply_markup"] == message["reply_markup"]
    answer, [edit] = press(again, _data(again, "✅"))
    assert answer == "✅ Сделано — серия 1"


def test_a_day_decided_after_later_gets_no_second_reminder(api, alice, fake_telegram, press):
    habit, message = _remind(api, alice, fake_telegram)
    press(message, _data(message, "⏰"))
    assert api.post(f"{BASE}/{habit['id']}/skips", alice, json={}).status_code == 201
    db.session.execute(update(HabitSnooze).values(due_at=utcnow() - timedelta(seconds=1)))
    before = len(fake_telegram.messages())
    assert send_snoozed(habit["id"], _today().isoformat()) == "skipped"
    assert fake_telegram.messages()[before:] == []


def test_later_on_an_earlier_day_is_refused(api, alice, fake_telegram, press):
    habit, message = _remind(api, alice, fake_telegram)
    answer, edits = press(message, f"hl:{habit['id']}:{(_today() - timedelta(1)):%Y%m%d}")
    assert answer == "Это напоминание за прошедший день: отложить его нельзя." and edits == []
    assert db.session.scalar(select(func.count(HabitSnooze.id))) == 0


def test_habits_command_shows_today_s_state_with_the_buttons_while_undecided(api, alice, fake_telegram, press):
    done = api.post(BASE, alice, json=body(action="читать")).json
    open_ = api.post(BASE, alice, json=body(action="бегать")).json
    api.post(f"{BASE}/{done['id']}/completions", alice, json={})
    before = len(fake_telegram.messages())
    handle = h.message(CHAT, "/habits")
    handle["update_id"] = next(_ids)
    handle_update(api.client.application, build_bot(api.client.application), types.Update.de_json(handle))
    header, first, second = fake_telegram.messages()[before:]
    assert header["text"] == "Мои привычки (2):"
    assert first["text"].startswith(f"#{done['id']} читать") and "сегодня: ✅ сделано; серия 1" in first["text"]
    assert "reply_markup" not in first
    assert "сегодня: ещё нет; серия 0 (лучшая 0)" in second["text"]
    answer, [edit] = press(second, _data(second, "✅"))
    assert answer == "✅ Сделано — серия 1" and edit["text"].startswith(f"#{open_['id']} бегать")
    assert api.get(f"{BASE}/{open_['id']}", alice).json["done_today"] is True


def test_a_deactivated_account_s_buttons_do_nothing(api, alice, fake_telegram, press):
    habit, message = _remind(api, alice, fake_telegram)
    db.session.execute(update(User).where(User.id == alice.id).values(is_active=False))
    db.session.commit()
    for symbol in ("✅", "⏭", "⏰"):
        answer, edits = press(message, _data(message, symbol))
        assert answer == "Эта кнопка устарела." and edits == []
    assert db.session.scalar(select(func.count(HabitCompletion.id))) == 0
    assert db.session.scalar(select(func.count(HabitSkip.id))) == 0
    assert db.session.scalar(select(func.count(HabitSnooze.id))) == 0
