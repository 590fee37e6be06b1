"""Every message one chat receives is in one language: the bot's answers, the link confirmation, habit
reminders and task notifications all follow the chat's language."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from telebot import apihelper, types

from app.bot.handlers import handle_update
from app.bot.poller import build_bot
from app.common import queue
from app.common.timeutil import utcnow
from app.extensions import db
from app.habits.models import Habit
from tests.bot import bot_helpers as h

CHAT = 6001
_ids = itertools.count(50_000)
# What people typed (titles, names) and what the texts quote verbatim: not the bot's language.
DATA = ("Alpha", "Beta", "Gamma", "Delta", "Crew", "Backlog", "Epsilon", "home", "Zeta", "Eta")
LATIN_ALLOWED = {"UTC", "Kalendar", "Telegram", "id"}
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@pytest.fixture
def bot(app, fake_telegram):
    previous = apihelper.API_URL
    built = build_bot(app)
    yield built
    apihelper.API_URL = previous


def _everything_a_chat_receives(app, api, bot, fake_telegram, drain_jobs, language_code: str) -> list[str]:
    def say(text: str) -> None:
        update = h.message(CHAT, text, language_code=language_code, update_id=next(_ids))
        handle_update(app, bot, types.Update.de_json(update))

    owner = api.signup_and_login("owner")
    boss = api.signup_and_login("boss")
    say("/start")  # the unlinked chat gets a code
    code = re.search(r"\b(\d{6})\b", fake_telegram.messages()[-1]["text"]).group(1)
    assert api.patch("/api/v1/bot/verify", owner, json={"verification_code": code}).status_code == 200
    drain_jobs()  # the confirmation in the chat

    category = h.category(api, owner, "Alpha")
    h.goal(api, owner, category, "Beta", due_date=(date.today() + timedelta(days=3)).isoformat())
    h.goal(api, owner, category, "Gamma", due_date=(date.today() - timedelta(days=2)).isoformat())
    mine = h.team_with_tasks(api, boss, owner)["task"]("Eta", owner)  # assigned to owner: a notification
    drain_jobs()
    reward = api.post(
        "/api/v1/habits",
        owner,
        json={"action": "Delta", "place": "home", "time": "07:30", "duration_seconds": 60, "reward": "Zeta"},
    ).json
    for command in ("/help", "/goals", "/tasks", "/habits", "/done", "/done 999999", "/nope", "/create"):
        say(command)
    say("Alpha")
    say("Epsilon")
    say("/cancel")
    say("/cancel")

    when = (utcnow() - timedelta(seconds=1)).replace(microsecond=0)
    db.session.execute(update(Habit).where(Habit.id == reward["id"]).values(next_reminder_at=when))
    assert queue.run_job("app.habits.jobs.send_reminder", reward["id"], when.isoformat()) == "sent"

    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert api.patch(f"/api/v1/tasks/{mine}", boss, json={"deadline": past}).status_code == 200
    queue.run_job("app.teams.jobs.mark_overdue_tasks")
    drain_jobs()  # the overdue alert
    say(f"/done {mine}")
    drain_jobs()
    return [m["text"] for m in fake_telegram.messages() if m["chat_id"] == CHAT]


def _words(text: str) -> list[str]:
    for value in DATA:
        text = text.replace(value, " ")
    text = re.sub(r"/\w+|<id>|@\w+|\b(owner|boss)\b|\b[A-Z]\w+/[A-Za-z_/]+", " ", text)  # commands, names, zones
    return re.findall(r"[^\W\d_]+", text)


def test_an_english_chat_reads_english_only(app, api, bot, fake_telegram, drain_jobs):
    texts = _everything_a_chat_receives(app, api, bot, fake_telegram, drain_jobs, "en-GB")
    assert len(texts) >= 17
    assert [t for t in texts if CYRILLIC.search(t)] == []
    assert any(t.startswith("New task for you") for t in texts)
    assert any(t.startswith("Task overdue") for t in texts)
    assert any(t.startswith("I will Delta at 07:30 in home") for t in texts)


def test_a_russian_chat_reads_russian_only(app, api, bot, fake_telegram, drain_jobs):
    texts = _everything_a_chat_receives(app, api, bot, fake_telegram, drain_jobs, "ru")
    assert len(texts) >= 17
    leaks = {t: [w for w in _words(t) if not CYRILLIC.search(w) and w not in LATIN_ALLOWED] for t in texts}
    assert {t: words for t, words in leaks.items() if words} == {}
    assert all(CYRILLIC.search(t) for t in texts)
