"""The bot's handlers in-process: one update at a time through handle_update, replies to the fake Bot API."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from telebot import types

from app.auth import services as auth_services
from app.auth.models import User
from app.bot import handlers
from app.bot.handlers import OTHER_BOT, handle_update, parse_command
from app.bot.replies import split_message
from app.errors import ValidationFailed, field_errors, field_messages
from app.extensions import db
from app.goals.models import Goal
from app.notify import linking
from app.notify.delivery import send_to_user
from app.notify.models import TelegramLink
from app.teams import jobs as team_jobs
from tests.bot import bot_helpers as h

CHAT = 5001
_ids = itertools.count(1000)


@pytest.fixture
def send(app, bot, fake_telegram):
    """Hand one update to the bot; returns the texts it sent in answer."""

    def send_update(update: dict) -> list[str]:
        before = len(fake_telegram.messages())
        update.setdefault("update_id", next(_ids))
        handle_update(app, bot, types.Update.de_json(update))
        return [m["text"] for m in fake_telegram.messages()[before:]]

    return send_update


@pytest.fixture
def alice(api):
    who = api.signup_and_login("alice")
    h.link(who, CHAT)
    return who


def test_parse_command():
    assert parse_command("/goals", "kalendar_test_bot") == ("goals", "")
    assert parse_command("/done@Kalendar_Test_Bot 42", "kalendar_test_bot") == ("done", "42")
    assert parse_command("/done@other_bot 42", "kalendar_test_bot") == (OTHER_BOT, "")
    assert parse_command("hello", "kalendar_test_bot") == (None, "")


def test_split_message_keeps_every_line_within_the_limit():
    lines = [f"#{i} " + "x" * 200 for i in range(60)]
    chunks = split_message("\n".join(lines))
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    assert "\n".join(chunks).split("\n") == lines
    assert all(len(c) <= 4096 for c in split_message("y" * 9000))


def test_unlinked_chat_gets_a_working_code(send, api, user):
    [text] = send(h.message(CHAT, "привет"))
    code = next(word for word in text.replace(".", " ").split() if word.isdigit() and len(word) == 6)
    assert "10 минут" in text
    me = db.session.get(User, user.id)
    link = linking.verify_code(me, code)
    assert link.chat_id == CHAT


def test_unlinked_data_command_is_told_to_link(send):
    [text] = send(h.message(CHAT, "/goals", language_code="en-GB"))
    assert text.startswith("Link this chat to your account first.") and "enter the code" in text


def test_goals_lists_open_goals_with_days_left(send, api, alice):
    cat = h.category(api, alice, "Работа")
    soon = h.goal(api, alice, cat, "Сдать отчёт", due_date=(date.today() + timedelta(days=3)).isoformat())
    h.goal(api, alice, cat, "Без срока")
    done = h.goal(api, alice, cat, "Готово")
    api.patch(f"/api/v1/goals/{done['id']}", alice, json={"status": "done"})
    [text] = send(h.message(CHAT, "/goals"))
    assert text.splitlines()[0] == "Открытые цели (2):"
    assert f"#{soon['id']} Сдать отчёт — срок {soon['due_date']}, осталось дней: {soon['days_left']}" in text
    assert "Без срока — без срока" in text and "Готово" not in text


def test_long_goal_lists_are_split(send, api, alice):
    cat = h.category(api, alice, "Много")
    for i in range(40):
        h.goal(api, alice, cat, f"{i:02d} " + "ц" * 200)
    texts = send(h.message(CHAT, "/goals"))
    assert len(texts) >= 2 and all(len(t) <= 4096 for t in texts)
    assert sum(t.count("ццц —") for t in texts) == 40


def test_create_by_typing_with_unknown_category_and_bad_title(send, api, alice, redis_client):
    cat = h.category(api, alice, "Здоровье")
    [pick] = send(h.message(CHAT, "/create"))
    assert pick.startswith("Выберите категорию")
    assert send(h.message(CHAT, "Нет такой"))[0].startswith("Такой категории нет")
    assert send(h.message(CHAT, "здоровье"))[0].startswith("Категория «Здоровье»")
    assert send(h.sticker(CHAT))[0].startswith("Пришлите название цели текстом")
    invalid = send(h.message(CHAT, "т" * 300))[0]
    assert invalid.startswith("Не получилось создать цель") and "255" in invalid
    [created] = send(h.message(CHAT, "Бегать по утрам"))
    new = db.session.scalar(select(Goal).where(Goal.title == "Бегать по утрам"))
    assert created == f"Цель #{new.id} «Бегать по утрам» создана в категории «Здоровье»."
    assert (new.category_id, new.status, new.priority) == (cat, "todo", "medium")
    assert redis_client.get(f"bot:conversation:{CHAT}") is None
    assert send(h.message(CHAT, "/cancel")) == ["Нечего отменять: сейчас ничего не происходит."]


def test_create_with_buttons_and_stale_buttons(send, api, alice, fake_telegram):
    cat = h.category(api, alice, "Учёба")
    send(h.message(CHAT, "/create"))
    markup = fake_telegram.messages()[-1]["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    assert markup["inline_keyboard"] == [[{"text": "Учёба", "callback_data": f"cat:{cat}"}]]
    assert send(h.callback(CHAT, "cat:999999")) == []  # not mine: the button is stale
    assert send(h.callback(CHAT, f"cat:{cat}")) == ["Категория «Учёба». Пришлите название цели. /cancel — отмена."]
    assert send(h.callback(CHAT, f"cat:{cat}")) == []  # pressed again after choosing: stale
    answers = [c for c in fake_telegram.calls() if c["method"] == "answerCallbackQuery"]
    assert [a["params"].get("text") for a in answers] == ["Эта кнопка устарела.", None, "Эта кнопка устарела."]
    assert send(h.message(CHAT, "/cancel")) == ["Создание цели отменено."]
    assert send(h.message(CHAT, "Учёба")) == ["Неизвестная команда. Список команд: /help"]
    assert db.session.scalar(select(func.count(Goal.id))) == 0


def test_create_without_writable_categories(send, api, alice):
    owner = api.signup_and_login("owner")
    board = h.personal_board(api, owner)
    h.category(api, owner, "Чужая", board)
    api.post(f"/api/v1/boards/{board}/participants", owner, json={"username": "alice", "role": "reader"})
    assert send(h.message(CHAT, "/create")) == [
        "Нет категорий, в которые вы можете добавлять цели. Создайте категорию в приложении."
    ]


def test_tasks_and_done_only_for_my_assigned_tasks(send, api, alice):
    admin = api.signup_and_login("boss")
    world = h.team_with_tasks(api, admin, alice)
    mine = world["task"]("Моя задача", alice)
    theirs = world["task"]("Чужая задача", admin)
    [listing] = send(h.message(CHAT, "/tasks"))
    assert listing == f"Мои открытые задачи (1):\n#{mine} Моя задача"
    assert send(h.message(CHAT, "/done"))[0].startswith("Укажите номер задачи")
    assert send(h.message(CHAT, "/done abc"))[0].startswith("Укажите номер задачи")
    assert send(h.message(CHAT, f"/done {theirs}")) == [f"Задача #{theirs} не найдена среди назначенных вам."]
    assert send(h.message(CHAT, "/done 999999")) == ["Задача #999999 не найдена среди назначенных вам."]
    assert api.get(f"/api/v1/tasks/{theirs}", admin).json["is_done"] is False
    assert send(h.message(CHAT, f"/done {mine}")) == [f"Задача #{mine} «Моя задача» выполнена."]
    assert api.get(f"/api/v1/tasks/{mine}", alice).json["is_done"] is True
    assert send(h.message(CHAT, "/tasks")) == ["Открытых задач, назначенных вам, нет."]


def test_habits_show_today_streak_and_next_reminder_in_my_time_zone(send, api, alice, fake_telegram):
    api.patch("/api/v1/auth/me", alice, json={"timezone": "Asia/Tokyo"})
    made = api.post(
        "/api/v1/habits",
        alice,
        json={"action": "читать", "place": "дома", "time": "07:30", "periodicity_days": 1, "duration_seconds": 60},
    ).json
    header, text = send(h.message(CHAT, "/habits"))
    assert header == "Мои привычки (1):"
    assert text.startswith(f"#{made['id']} читать — дома, 07:30\nсегодня: ещё нет; серия 0 (лучшая 0)\n")
    assert "следующее напоминание " in text and text.endswith(" 07:30 (Asia/Tokyo)")
    markup = fake_telegram.messages()[-1]["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    [buttons] = markup["inline_keyboard"]
    assert [b["text"][0] for b in buttons] == ["✅", "⏭", "⏰"]


def test_help_unknown_english_and_other_bots(send, alice):
    assert send(h.message(CHAT, "/help"))[0].startswith("Команды:")
    assert send(h.message(CHAT, "/help@kalendar_test_bot"))[0].startswith("Команды:")
    assert send(h.message(CHAT, "/help@some_other_bot")) == []
    assert send(h.message(CHAT, "/nope", language_code="en")) == ["Unknown command. See /help"]
    assert send(h.message(CHAT, "just text")) == ["Неизвестная команда. Список команд: /help"]
    assert send(h.sticker(CHAT)) == ["Я понимаю только текстовые команды. Список команд: /help"]
    assert send(h.message(CHAT, "/start")) == ["Чат уже связан с аккаунтом alice. Команды: /help"]


def test_group_chats_are_refused_politely(send):
    assert send(h.message(-100, "/goals", chat_type="group")) == ["Я работаю только в личных сообщениях."]
    assert send(h.message(-100, "hello", chat_type="group")) == []


def test_edited_messages_are_ignored(send, alice):
    update = h.message(CHAT, "/help")
    assert send({"edited_message": {**update["message"], "edit_date": 1}}) == []


def test_a_failing_handler_rolls_back_and_apologises(send, api, alice, monkeypatch):
    cat = h.category(api, alice, "Дом")

    def explode(user, chat_id, lang, args):
        from app.goals.services import create_goal

        create_goal(user, {"title": "half-done", "category_id": cat})
        raise RuntimeError("boom")

    monkeypatch.setitem(handlers.COMMANDS, "goals", explode)
    assert send(h.message(CHAT, "/goals")) == ["Извините, что-то пошло не так. Попробуйте ещё раз чуть позже."]
    assert db.session.scalar(select(func.count(Goal.id))) == 0
    monkeypatch.undo()
    assert send(h.message(CHAT, "/help"))[0].startswith("Команды:")


def test_a_redelivered_update_is_handled_once(send, api, alice):
    h.category(api, alice, "Хобби")
    send(h.message(CHAT, "/create"))
    send(h.message(CHAT, "Хобби"))
    update = h.message(CHAT, "Рисовать", update_id=777001)
    assert len(send(update)) == 1
    assert send(h.message(CHAT, "Рисовать", update_id=777001)) == []
    assert db.session.scalar(select(func.count(Goal.id)).where(Goal.title == "Рисовать")) == 1


def test_writing_again_clears_blocked(send, alice):
    link = db.session.scalar(select(TelegramLink).where(TelegramLink.chat_id == CHAT))
    link.blocked_at = func.now()
    db.session.commit()
    send(h.message(CHAT, "/help"))
    db.session.refresh(link)
    assert link.blocked_at is None


def test_verify_confirms_in_the_chat_in_its_language(app, send, api, user, fake_telegram, drain_jobs):
    [offer] = send(h.message(CHAT, "/start", language_code="en"))
    code = next(w for w in offer.split() if w.isdigit() and len(w) == 6)
    response = api.patch("/api/v1/bot/verify", user, json={"verification_code": code})
    assert response.status_code == 200 and response.json["linked"] is True
    assert drain_jobs() == 1  # the confirmation goes out from the worker
    last = fake_telegram.messages()[-1]
    assert (last["chat_id"], last["text"]) == (CHAT, "Done: this chat is linked to the account alice. Commands: /help")


def test_confirmation_job_sends_nothing_when_the_chat_moved_on(app, fake_telegram, api, user):
    from app.notify.jobs import send_link_confirmation

    h.link(user, CHAT)
    send_link_confirmation(CHAT, "somebody-else")
    send_link_confirmation(CHAT + 1, "alice")
    assert fake_telegram.messages() == []


DISABLED = "Ваш аккаунт Kalendar отключён: здесь ничего не доступно, пока его снова не включат."


def test_a_deactivated_account_gets_nothing_from_the_bot(send, api, alice, fake_telegram):
    """Every command and every text of a deactivated account's chat answers "disabled" and changes nothing."""
    cat = h.category(api, alice, "Учёба")
    h.goal(api, alice, cat, "Секретная цель")
    admin = api.signup_and_login("boss")
    world = h.team_with_tasks(api, admin, alice)
    mine = world["task"]("Секретная задача", alice)
    send(h.message(CHAT, "/create"))  # a /create in progress before the deactivation
    auth_services.set_active(db.session.get(User, alice.id), False)
    db.session.commit()
    for text in ("/start", "/help", "/goals", "/tasks", f"/done {mine}", "/habits", "/create", "/cancel", "Учёба"):
        assert send(h.message(CHAT, text)) == [DISABLED], text
    assert send(h.callback(CHAT, f"cat:{cat}")) == []
    assert [c["params"].get("text") for c in fake_telegram.calls() if c["method"] == "answerCallbackQuery"] == [
        "Эта кнопка устарела."
    ]
    assert api.get(f"/api/v1/tasks/{mine}", admin).json["is_done"] is False
    assert db.session.scalar(select(func.count(Goal.id))) == 1
    assert not any("Секрет" in m["text"] for m in fake_telegram.messages())


def test_a_deactivated_account_receives_no_notifications(app, fake_telegram, api, alice):
    admin = api.signup_and_login("boss")
    world = h.team_with_tasks(api, admin, alice)
    before = world["task"]("Задача до", alice)
    team_jobs.notify_task_assigned(before, alice.id)  # the queued job, run here: active, so it is sent
    assert len(fake_telegram.messages()) == 1
    queued = world["task"]("Задача после", alice)
    auth_services.set_active(db.session.get(User, alice.id), False)
    db.session.commit()
    team_jobs.notify_task_assigned(queued, alice.id)  # the job runs after the deactivation: nothing goes out
    assert send_to_user(alice.id, "hello", key="probe") == "not sent"
    assert len(fake_telegram.messages()) == 1


def test_chat_replies_word_field_errors_as_the_api_names_them():
    """/create's refusals read the same field errors the API answers with, in field order, without names."""
    failed = ValidationFailed({"title": ["Too long."], "category_id": ["Missing.", "Not mine."]})
    assert field_errors(failed) == {"title": ["Too long."], "category_id": ["Missing.", "Not mine."]}
    assert field_messages(failed) == "Too long. Missing. Not mine."
