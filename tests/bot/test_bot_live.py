"""bot.py as a real process polling the fake Telegram server, with the real database and Redis."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time

import pytest
from sqlalchemy import func, select

from app.events.pubsub import user_channel
from app.extensions import db
from app.goals.models import Goal
from app.notify.models import TelegramLink
from tests.bot import bot_helpers as h
from tests.processes import PYTHON, ROOT, bot, polls, running, stop, wait_until

CHAT = 7001


def _say(fake_telegram, update, count=1, timeout=10.0):
    """Push an update and return the texts of the next `count` messages the bot sends."""
    before = len(fake_telegram.messages())
    fake_telegram.push_update(update)
    messages = fake_telegram.wait_for_messages(before + count, timeout=timeout)
    assert len(messages) >= before + count, f"no answer to {update}: {messages[before:]}"
    return [m["text"] for m in messages[before : before + count]]


@pytest.mark.live
def test_link_flow_and_every_command(app, api, fake_telegram, telegram_env, redis_client, drain_jobs):
    alice = api.signup_and_login("alice")
    boss = api.signup_and_login("boss")
    cat = h.category(api, alice, "Работа")
    goal = h.goal(api, alice, cat, "Сдать отчёт", due_date="2099-01-01")
    world = h.team_with_tasks(api, boss, alice)
    mine = world["task"]("Моя задача", alice)
    theirs = world["task"]("Задача босса", boss)
    api.post(
        "/api/v1/habits",
        alice,
        json={"action": "читать", "place": "дома", "time": "07:30", "periodicity_days": 1, "duration_seconds": 60},
    )
    db.session.commit()
    drain_jobs()  # the task's assignment: alice has no chat yet, nothing is sent
    with bot(telegram_env, fake_telegram):
        # an unlinked chat gets a code; entering it in the app links the chat and the bot confirms there
        [offer] = _say(fake_telegram, h.message(CHAT, "/goals"))
        code = re.search(r"\b(\d{6})\b", offer).group(1)
        assert offer.startswith("Сначала свяжите чат с аккаунтом.")
        verified = api.patch("/api/v1/bot/verify", alice, json={"verification_code": code})
        assert verified.status_code == 200 and verified.json["linked"] is True, verified.json
        assert drain_jobs() == 1  # the confirmation, sent by the job as worker.py would run it
        assert fake_telegram.messages()[-1]["chat_id"] == CHAT
        assert fake_telegram.messages()[-1]["text"] == "Готово: чат связан с аккаунтом alice. Команды: /help"

        [goals] = _say(fake_telegram, h.message(CHAT, "/goals"))
        assert goals.splitlines()[1].startswith(f"#{goal['id']} Сдать отчёт — срок 2099-01-01, осталось дней: ")
        assert _say(fake_telegram, h.message(CHAT, "/tasks")) == [f"Мои открытые задачи (1):\n#{mine} Моя задача"]
        assert _say(fake_telegram, h.message(CHAT, f"/done {theirs}")) == [
            f"Задача #{theirs} не найдена среди назначенных вам."
        ]
        header, habit = _say(fake_telegram, h.message(CHAT, "/habits"), count=2)
        assert header == "Мои привычки (1):" and habit.endswith("07:30 (Europe/Moscow)")
        assert _say(fake_telegram, h.message(CHAT, "/help"))[0].startswith("Команды:")
        assert _say(fake_telegram, h.message(CHAT, "/whatever")) == ["Неизвестная команда. Список команд: /help"]
        assert _say(fake_telegram, h.sticker(CHAT)) == ["Я понимаю только текстовые команды. Список команд: /help"]

        # /done publishes the realtime event the WebSocket relays
        pubsub = redis_client.pubsub()
        pubsub.subscribe(user_channel(alice.id))
        assert _say(fake_telegram, h.message(CHAT, f"/done {mine}")) == [f"Задача #{mine} «Моя задача» выполнена."]
        events = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(e.get("type") == "task.done" for e in events):
            got = pubsub.get_message(timeout=0.5)
            if got and got["type"] == "message":
                events.append(json.loads(got["data"]))
        pubsub.close()
        done = next(e for e in events if e["type"] == "task.done")
        assert done["task"]["id"] == mine and done["task"]["is_done"] is True
        assert api.get(f"/api/v1/tasks/{theirs}", boss).json["is_done"] is False

        # 429 on the bot's reply: waits retry_after, then sends once
        fake_telegram.fail("sendMessage", 429, retry_after=1)
        started = time.monotonic()
        assert _say(fake_telegram, h.message(CHAT, "/help"))[0].startswith("Команды:")
        assert time.monotonic() - started >= 0.95
        assert [c["status"] for c in fake_telegram.calls() if c["method"] == "sendMessage"][-2:] == [429, 200]

        # network trouble on getUpdates: backs off and carries on
        fake_telegram.fail("getUpdates", 502, count=2)
        fake_telegram.fail("getUpdates", "timeout", delay=0.2)
        assert _say(fake_telegram, h.message(CHAT, "/start")) == ["Чат уже связан с аккаунтом alice. Команды: /help"]

        # liveness: the heartbeat is fresh, /readyz reports it without depending on it
        assert api.get("/readyz").json["bot"] == "ok"
        status = subprocess.run(
            [PYTHON, "-m", "flask", "--app", "wsgi", "bot", "status"],
            env=telegram_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert status.returncode == 0 and status.stdout.startswith("bot: ok"), status.stdout + status.stderr


@pytest.mark.live
def test_create_survives_a_restart_and_a_redelivery_creates_nothing_twice(api, fake_telegram, telegram_env):
    alice = api.signup_and_login("alice")
    cat = h.category(api, alice, "Здоровье")
    h.link(alice, CHAT)
    with bot(telegram_env, fake_telegram, "bot-1") as first:
        assert _say(fake_telegram, h.message(CHAT, "/create"))[0].startswith("Выберите категорию")
        assert _say(fake_telegram, h.message(CHAT, "Вязание"))[0].startswith("Такой категории нет")
        assert _say(fake_telegram, h.message(CHAT, "Здоровье"))[0].startswith("Категория «Здоровье»")
        stop(first, signal.SIGTERM)
        assert first.returncode == 0  # SIGTERM: a clean exit, even in the middle of a long poll
    title_update = h.message(CHAT, "Бегать по утрам", update_id=900001)
    with bot(telegram_env, fake_telegram, "bot-2"):
        [created] = _say(fake_telegram, title_update)
    goal_id = db.session.scalar(select(Goal.id).where(Goal.title == "Бегать по утрам"))
    assert created == f"Цель #{goal_id} «Бегать по утрам» создана в категории «Здоровье»."
    assert db.session.get(Goal, goal_id).category_id == cat
    # Telegram delivers the same update again (e.g. the offset was never confirmed): handled once only
    fake_telegram.push_update(h.message(CHAT, "Бегать по утрам", update_id=900001))
    with bot(telegram_env, fake_telegram, "bot-3"):
        assert wait_until(
            lambda: any(
                int(c["params"].get("offset") or 0) > 900001
                for c in fake_telegram.calls()
                if c["method"] == "getUpdates"
            ),
            timeout=10,
        )
        assert h.quiet(fake_telegram, 1.0)
        assert db.session.scalar(select(func.count(Goal.id)).where(Goal.title == "Бегать по утрам")) == 1
        # (ids keep growing past the redelivered one, as Telegram's do)
        assert _say(fake_telegram, h.message(CHAT, "/create", update_id=900002))[0].startswith("Выберите категорию")
        assert _say(fake_telegram, h.message(CHAT, "/cancel", update_id=900003)) == ["Создание цели отменено."]
        nothing = _say(fake_telegram, h.message(CHAT, "/cancel", update_id=900004))
        assert nothing == ["Нечего отменять: сейчас ничего не происходит."]


@pytest.mark.live
def test_readyz_says_unknown_until_the_bot_has_reached_telegram(api, fake_telegram, telegram_env):
    fake_telegram.fail("getMe", 502, count=4)

    def get_me_calls() -> int:
        return sum(1 for c in fake_telegram.calls() if c["method"] == "getMe")

    with running([PYTHON, "bot.py"], telegram_env, log_name="bot-unreached", ready=lambda: get_me_calls() >= 3):
        assert api.get("/readyz").json["bot"] == "unknown"  # running, retrying, but never answered
        assert wait_until(lambda: polls(fake_telegram) > 0, timeout=15)
        assert api.get("/readyz").json["bot"] == "ok"


@pytest.mark.live
def test_another_poller_409_makes_the_bot_exit_non_zero(fake_telegram, telegram_env):
    fake_telegram.fail("getUpdates", 409)
    with running([PYTHON, "bot.py"], telegram_env, log_name="bot-409") as proc:
        assert wait_until(lambda: proc.poll() is not None, timeout=90)  # start-up included
        assert proc.returncode == 3
    assert [c["status"] for c in fake_telegram.calls() if c["method"] == "getUpdates"] == [409]


@pytest.mark.live
def test_without_a_token_the_bot_refuses_to_start(telegram_env):
    result = subprocess.run(
        [PYTHON, "bot.py"],
        env={**telegram_env, "TELEGRAM_BOT_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr


@pytest.mark.live
def test_a_blocked_user_is_marked_and_unblocked_when_writing_again(api, fake_telegram, telegram_env):
    alice = api.signup_and_login("alice")
    h.link(alice, CHAT)
    with bot(telegram_env, fake_telegram):
        fake_telegram.fail("sendMessage", 403)
        fake_telegram.push_update(h.message(CHAT, "/help"))
        assert wait_until(lambda: any(c["status"] == 403 for c in fake_telegram.calls()), timeout=10)
        assert wait_until(
            lambda: (
                db.session.scalar(
                    select(TelegramLink.blocked_at)
                    .where(TelegramLink.chat_id == CHAT)
                    .execution_options(populate_existing=True)
                )
                is not None
            ),
            timeout=5,
        )
        db.session.rollback()
        assert _say(fake_telegram, h.message(CHAT, "/help"))[0].startswith("Команды:")
        db.session.rollback()
        assert db.session.scalar(select(TelegramLink.blocked_at).where(TelegramLink.chat_id == CHAT)) is None
