"""The bot's habits: /habits with today's state and the ✅ ⏭ ⏰ buttons, and what a press on one does.

A press acts through the habit services on the local day the button was made for (the reminder's occurrence
or /habits' today): ✅ logs it done, ⏭ skipped, ⏰ postpones the reminder once. Each press is answered, and a
press that changed something edits its message in place to show the outcome. Presses from a chat that is not
the habit owner's, for a day already decided or for a deleted habit change nothing and say why.
"""

from __future__ import annotations

import telebot
from sqlalchemy import func, select
from telebot import types

from app.auth.models import User
from app.bot.replies import answer_button, edit_message, local, reply
from app.common.timeutil import local_today
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.habits import jobs, services, streaks
from app.habits.models import Habit
from app.notify import linking
from app.notify.texts import t

MAX_HABIT_MESSAGES = 20  # one message per habit (each with its buttons); the rest are in the app


def _habit_text(user: User, habit: Habit, lang: str) -> str:
    if habit.done_today:
        today = t(lang, "habit_done_today")
    elif habit.skipped_today:
        today = t(lang, "habit_skipped_today")
    else:
        today = t(lang, "habit_open")
    when = (
        t(lang, "next_reminder", when=f"{local(user, habit.next_reminder_at)} ({user.timezone})")
        if habit.next_reminder_at is not None
        else t(lang, "no_reminder")
    )
    streak = t(lang, "habit_streak", current=habit.current_streak, best=habit.best_streak)
    return f"#{habit.id} {habit.action} — {habit.place}, {habit.time:%H:%M}\n{today}; {streak}\n{when}"


def cmd_habits(user: User, chat_id: int, lang: str, _args: str) -> None:
    """A header, then one message per habit: today's state, the streak, and the buttons while undecided."""
    found = list(db.session.scalars(services.own_habits_stmt(user).limit(MAX_HABIT_MESSAGES)))
    if not found:
        reply(chat_id, t(lang, "no_habits"))
        return
    total = len(found)
    if total == MAX_HABIT_MESSAGES:
        total = db.session.scalar(select(func.count(Habit.id)).where(Habit.owner_id == user.id))
    streaks.attach_streaks(found, {user.id: user.timezone})
    today = local_today(user.timezone)
    reply(chat_id, t(lang, "habits_header", count=total))
    for habit in found:
        decided = habit.done_today or habit.skipped_today
        reply(chat_id, _habit_text(user, habit, lang), None if decided else jobs.keyboard(lang, habit.id, today))
    if total > len(found):
        reply(chat_id, t(lang, "more"))


def on_habit_button(bot: telebot.TeleBot, call: types.CallbackQuery, lang: str) -> None:
    parsed = jobs.parse_button(call.data or "")
    message = call.message
    if parsed is None or message is None:
        answer_button(bot, call.id, t(lang, "stale_button"))
        return
    verb, habit_id, day = parsed
    link = linking.link_for_chat(message.chat.id)
    habit = db.session.get(Habit, habit_id)
    if link is None:
        answer_button(bot, call.id, t(lang, "link_first"))
    elif habit is None:
        answer_button(bot, call.id, t(lang, "habit_gone"))
    elif habit.owner_id != link.user_id:
        answer_button(bot, call.id, t(lang, "not_your_habit"))
    elif verb == "later":
        _later(bot, call, lang, link.user, habit, day)
    else:
        _decide(bot, call, lang, link.user, habit, verb, day)


def _decide(bot: telebot.TeleBot, call: types.CallbackQuery, lang: str, user: User, habit: Habit, verb: str, day):
    already = {"done": "already_done", "skip": "already_skipped"}
    try:
        if verb == "done":
            _entry, created = services.log_completion(user, habit.id, day)
        else:
            _entry, created = services.skip_day(user, habit.id, day)
    except Conflict:  # the day is decided the other way
        answer_button(bot, call.id, t(lang, already["skip" if verb == "done" else "done"], date=day.isoformat()))
        return
    except ValidationFailed:  # a day that has not begun in the owner's zone (they moved west)
        answer_button(bot, call.id, t(lang, "stale_button"))
        return
    if not created:
        answer_button(bot, call.id, t(lang, already[verb], date=day.isoformat()))
        return
    streaks.attach_streaks([habit], {user.id: user.timezone})
    outcome = t(lang, "pressed_done" if verb == "done" else "pressed_skip", streak=habit.current_streak)
    edit_message(bot, call.message.chat.id, call.message.message_id, f"{call.message.text or ''}\n\n{outcome}")
    answer_button(bot, call.id, outcome)


def _later(bot: telebot.TeleBot, call: types.CallbackQuery, lang: str, user: User, habit: Habit, day):
    state, when = services.snooze_reminder(user, habit.id, day)
    if state == "snoozed":
        outcome = t(lang, "pressed_later", time=local(user, when)[-5:])
        edit_message(bot, call.message.chat.id, call.message.message_id, f"{call.message.text or ''}\n\n{outcome}")
        answer_button(bot, call.id, outcome)
    elif state == "already":
        answer_button(bot, call.id, t(lang, "already_snoozed", time=local(user, when)[-5:]))
    elif state in ("completed", "skipped"):
        key = "already_done" if state == "completed" else "already_skipped"
        answer_button(bot, call.id, t(lang, key, date=day.isoformat()))
    else:
        answer_button(bot, call.id, t(lang, "snooze_past"))
