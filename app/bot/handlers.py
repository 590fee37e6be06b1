"""What the bot does with an update: link a chat, answer the commands, run the /create conversation.

* `handle_update(app, bot, update)` is the unit of work: one app context and one DB transaction per update
  (commit on success, rollback on error, session removed afterwards). An update id already handled is
  skipped (Telegram may deliver it again after a restart), so nothing is created twice.
* Handlers call the same services as the API. Replies and conversation-state writes go through the one
  after-commit hook (app.common.after_commit), held until the update's transaction has committed: a reply
  never announces a change that was rolled back. What sending writes (a 403 marks the link blocked) is
  committed after the replies.
* Replies go through `app.notify.client.send_message` (shared rate limit, 429 `retry_after`, retries).
* Any exception is logged and answered with a short apology; it never reaches the polling loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma
import telebot
from flask import Flask
from telebot import types

from app.auth.models import User
from app.bot import conversation
from app.common.after_commit import after_commit, held, run_actions
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.goals import services as goals
from app.goals.models import STATUSES, Category
from app.goals.schemas import GoalCreateSchema
from app.habits.services import own_habits_stmt
from app.notify import client, linking
from app.notify.texts import chat_language, t
from app.teams import services as teams

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096  # Telegram's limit on one message's text
MAX_LIST_ITEMS = 300  # a list longer than this ends with "…more in the app"
MAX_CATEGORY_BUTTONS = 50
OTHER_BOT = "\0other-bot"  # a command addressed to another bot: not ours to answer
OPEN_GOAL_STATUSES = [s for s in STATUSES if s not in ("done", "archived")]
CATEGORY_CALLBACK = "cat:"


# --- the unit of work ---------------------------------------------------------------------------------


def reply(chat_id: int, text: str, reply_markup: dict | None = None) -> None:
    """Queue a reply (split at Telegram's limit); it is sent once the update's transaction has committed."""
    chunks = split_message(text)
    for index, chunk in enumerate(chunks):
        extra = {"reply_markup": reply_markup} if reply_markup and index == len(chunks) - 1 else {}
        after_commit(lambda chunk=chunk, extra=extra: client.send_message(chat_id, chunk, **extra), "bot reply")


def handle_update(app: Flask, bot: telebot.TeleBot, update: types.Update) -> None:
    with app.app_context():
        try:
            fresh = conversation.claim_update(update.update_id)
        except Exception as exc:  # noqa: BLE001  (Redis down: answering beats the duplicate guard)
            log.warning("update %s: could not record it (%s)", update.update_id, exc.__class__.__name__)
            fresh = True
        if not fresh:
            log.info("update %s was handled before: skipped", update.update_id)
            return
        with held() as actions:
            try:
                bot.process_new_updates([update])
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("update %s failed", update.update_id)
                try:
                    conversation.release_update(update.update_id)
                except Exception as exc:  # noqa: BLE001
                    log.warning("update %s: could not release it (%s)", update.update_id, exc.__class__.__name__)
                _apologise(update)
                return
            finally:
                db.session.remove()
        run_actions(actions)
        try:
            db.session.commit()  # what sending wrote (a 403 marks the link blocked)
        except Exception:
            db.session.rollback()
            log.exception("update %s: could not record the sending outcome", update.update_id)
        finally:
            db.session.remove()


def _apologise(update: types.Update) -> None:
    message = update.message or (update.callback_query.message if update.callback_query else None)
    sender = (
        update.message.from_user
        if update.message
        else (update.callback_query.from_user if update.callback_query else None)
    )
    if message is None or message.chat.type != "private":
        return
    try:
        client.send_message(message.chat.id, t(chat_language(getattr(sender, "language_code", None)), "apology"))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not apologise")
    finally:
        db.session.remove()


def register_handlers(bot: telebot.TeleBot) -> None:
    """Every message and button press goes through one router; edited messages and the rest are ignored."""
    bot.message_handler(func=lambda _m: True, content_types=telebot.util.content_type_media)(
        lambda message: on_message(bot, message)
    )
    bot.callback_query_handler(func=lambda _c: True)(lambda call: on_callback(bot, call))


# --- helpers ------------------------------------------------------------------------------------------


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Whole lines per message, each message within `limit` (an over-long line is cut)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def parse_command(text: str, bot_username: str | None) -> tuple[str | None, str]:
    """('goals', 'args') for '/goals@thisbot args'; (OTHER_BOT, '') when addressed to another bot."""
    if not text.startswith("/"):
        return None, ""
    head, _, rest = text.partition(" ")
    head, _, rest2 = head.partition("\n")
    name, _, target = head[1:].partition("@")
    if target and (bot_username is None or target.lower() != bot_username.lower()):
        return OTHER_BOT, ""
    return name.lower(), (rest or rest2).strip()


def _bot_username(bot: telebot.TeleBot) -> str | None:
    try:
        return bot.user.username
    except Exception:  # noqa: BLE001  (getMe failing must not block answering)
        log.warning("getMe failed: commands addressed with @username are ignored")
        return None


def _local(user: User, moment) -> str:
    return moment.astimezone(ZoneInfo(user.timezone)).strftime("%Y-%m-%d %H:%M")


def _items_text(header: str, lines: list[str], lang: str) -> str:
    if len(lines) > MAX_LIST_ITEMS:
        lines = [*lines[:MAX_LIST_ITEMS], t(lang, "more")]
    return "\n".join([header, *lines])


# --- messages -----------------------------------------------------------------------------------------


def on_message(bot: telebot.TeleBot, message: types.Message) -> None:
    chat = message.chat
    sender = message.from_user
    lang = chat_language(sender.language_code if sender else None)
    text = message.text if message.content_type == "text" else None
    command, args = parse_command(text or "", _bot_username(bot))
    if command == OTHER_BOT:
        return
    if chat.type != "private":
        if command:
            reply(chat.id, t(lang, "private_only"))
        return
    link = linking.link_for_chat(chat.id)
    if link is None:
        _offer_code(message, lang, asked_for_data=bool(command) and command not in ("start", "link"))
        return
    if link.blocked_at is not None:
        link.blocked_at = None  # they wrote to us again: sending works again
    if sender is not None and sender.language_code and sender.language_code != link.language_code:
        link.language_code = sender.language_code  # reminders and notifications follow the chat's language
    user = link.user
    state = conversation.get_state(chat.id)
    if command is not None:
        if command == "cancel":
            if state:
                after_commit(lambda: conversation.clear_state(chat.id), "clear the conversation")
                reply(chat.id, t(lang, "cancelled"))
            else:
                reply(chat.id, t(lang, "nothing_to_cancel"))
            return
        if state:
            after_commit(
                lambda: conversation.clear_state(chat.id), "clear the conversation"
            )  # another command leaves /create
        handler = COMMANDS.get(command)
        if handler is None:
            reply(chat.id, t(lang, "unknown_command"))
        else:
            handler(user, chat.id, lang, args)
        return
    if state:
        _continue_create(user, chat.id, lang, state, text)
        return
    reply(chat.id, t(lang, "unknown_command") if text is not None else t(lang, "text_only"))


def _offer_code(message: types.Message, lang: str, *, asked_for_data: bool) -> None:
    sender = message.from_user
    code = linking.issue_code(
        linking.ChatInfo(
            chat_id=message.chat.id,
            telegram_user_id=sender.id if sender else None,
            username=(sender.username if sender else None) or message.chat.username,
            language_code=sender.language_code if sender else None,
        )
    )
    text = t(lang, "link_code", num=linking.CODE_MINUTES, code=code)
    reply(message.chat.id, f"{t(lang, 'link_first')}\n{text}" if asked_for_data else text)


def cmd_start(user: User, chat_id: int, lang: str, _args: str) -> None:
    reply(chat_id, t(lang, "already_linked", username=user.username))


def cmd_help(_user: User, chat_id: int, lang: str, _args: str) -> None:
    reply(chat_id, t(lang, "help"))


def cmd_goals(user: User, chat_id: int, lang: str, _args: str) -> None:
    stmt = goals.goals_stmt(user, {"status": OPEN_GOAL_STATUSES}).limit(MAX_LIST_ITEMS + 1)
    found = goals.set_days_left(db.session.scalars(stmt), user)
    if not found:
        reply(chat_id, t(lang, "no_goals"))
        return
    lines = []
    for goal in found:
        if goal.due_date is None:
            when = t(lang, "no_due")
        elif goal.days_left is not None and goal.days_left < 0:
            when = t(lang, "overdue", date=goal.due_date.isoformat(), days=-goal.days_left)
        else:
            when = t(lang, "due", date=goal.due_date.isoformat(), days=goal.days_left)
        lines.append(f"#{goal.id} {goal.title} — {when}")
    count = len(found) if len(found) <= MAX_LIST_ITEMS else f"{MAX_LIST_ITEMS}+"
    reply(chat_id, _items_text(t(lang, "goals_header", count=count), lines, lang))


def cmd_tasks(user: User, chat_id: int, lang: str, _args: str) -> None:
    stmt = teams.search_tasks_stmt(user, {"assignee": "me", "done": False}).limit(MAX_LIST_ITEMS + 1)
    found = list(db.session.scalars(stmt))
    if not found:
        reply(chat_id, t(lang, "no_tasks"))
        return
    lines = []
    for task in found:
        line = f"#{task.id} {task.title}"
        if task.deadline is not None:
            line += f" — {t(lang, 'deadline', when=_local(user, task.deadline))}"
        lines.append(line)
    count = len(found) if len(found) <= MAX_LIST_ITEMS else f"{MAX_LIST_ITEMS}+"
    reply(chat_id, _items_text(t(lang, "tasks_header", count=count), lines, lang))


def cmd_done(user: User, chat_id: int, lang: str, args: str) -> None:
    raw = args.split()[0].lstrip("#") if args.split() else ""
    if not raw.isdigit() or len(raw) > 18:
        reply(chat_id, t(lang, "done_usage"))
        return
    task_id = int(raw)
    try:
        task = teams.complete_my_task(user, task_id)  # publishes task.done once the update commits
    except DomainError:
        reply(chat_id, t(lang, "done_refused", id=task_id))
        return
    reply(chat_id, t(lang, "done_ok", id=task.id, title=task.title))


def cmd_habits(user: User, chat_id: int, lang: str, _args: str) -> None:
    found = list(db.session.scalars(own_habits_stmt(user).limit(MAX_LIST_ITEMS + 1)))
    if not found:
        reply(chat_id, t(lang, "no_habits"))
        return
    lines = []
    for habit in found:
        when = (
            t(lang, "next_reminder", when=f"{_local(user, habit.next_reminder_at)} ({user.timezone})")
            if habit.next_reminder_at is not None
            else t(lang, "no_reminder")
        )
        lines.append(f"#{habit.id} {habit.action} — {habit.place}, {habit.time:%H:%M}; {when}")
    count = len(found) if len(found) <= MAX_LIST_ITEMS else f"{MAX_LIST_ITEMS}+"
    reply(chat_id, _items_text(t(lang, "habits_header", count=count), lines, lang))


# --- /create ------------------------------------------------------------------------------------------


def _labels(options: list[tuple[Category, str]]) -> list[tuple[Category, str]]:
    titles = [c.title.casefold() for c, _ in options]
    return [(c, f"{c.title} ({board})" if titles.count(c.title.casefold()) > 1 else c.title) for c, board in options]


def _category_keyboard(options: list[tuple[Category, str]]) -> dict:
    return {
        "inline_keyboard": [
            [{"text": label[:64], "callback_data": f"{CATEGORY_CALLBACK}{category.id}"}]
            for category, label in _labels(options)[:MAX_CATEGORY_BUTTONS]
        ]
    }


def cmd_create(user: User, chat_id: int, lang: str, _args: str) -> None:
    options = goals.writable_categories(user)
    if not options:
        reply(chat_id, t(lang, "no_categories"))
        return
    after_commit(lambda: conversation.set_state(chat_id, {"step": "category"}), "save the conversation")
    reply(chat_id, t(lang, "pick_category"), _category_keyboard(options))


def _choose(user: User, chat_id: int, lang: str, category: Category) -> None:
    state = {"step": "title", "category_id": category.id, "category": category.title}
    after_commit(lambda: conversation.set_state(chat_id, state), "save the conversation")
    reply(chat_id, t(lang, "send_title", category=category.title))


def _continue_create(user: User, chat_id: int, lang: str, state: dict, text: str | None) -> None:
    if state.get("step") == "category":
        options = goals.writable_categories(user)
        wanted = (text or "").strip().casefold()
        matches = [c for c, label in _labels(options) if wanted and wanted in (label.casefold(), c.title.casefold())]
        if len(matches) == 1:
            _choose(user, chat_id, lang, matches[0])
        elif not options:
            after_commit(lambda: conversation.clear_state(chat_id), "clear the conversation")
            reply(chat_id, t(lang, "no_categories"))
        else:
            reply(chat_id, t(lang, "unknown_category"), _category_keyboard(options))
        return
    if state.get("step") != "title" or not isinstance(state.get("category_id"), int):
        after_commit(lambda: conversation.clear_state(chat_id), "clear the conversation")
        reply(chat_id, t(lang, "unknown_command"))
        return
    if text is None:
        reply(chat_id, t(lang, "title_as_text"))
        return
    try:
        data = GoalCreateSchema().load({"title": text, "category_id": state["category_id"]})
    except ma.ValidationError as err:
        reply(chat_id, t(lang, "goal_invalid", errors=_flatten(err.messages)))
        return
    try:
        with db.session.begin_nested():
            goal = goals.create_goal(user, data)
    except ValidationFailed as err:
        reply(chat_id, t(lang, "goal_invalid", errors=_flatten((err.errors or {}).get("json") or {})))
        return
    except DomainError as err:  # the category went away or my role changed meanwhile
        after_commit(lambda: conversation.clear_state(chat_id), "clear the conversation")
        reply(chat_id, t(lang, "goal_refused", error=err.message))
        return
    after_commit(lambda: conversation.clear_state(chat_id), "clear the conversation")
    reply(chat_id, t(lang, "goal_created", id=goal.id, title=goal.title, category=state.get("category", "")))


def _flatten(messages: Any) -> str:
    if isinstance(messages, dict):
        return " ".join(_flatten(v) for v in messages.values())
    if isinstance(messages, list | tuple):
        return " ".join(_flatten(v) for v in messages)
    return str(messages)


def on_callback(bot: telebot.TeleBot, call: types.CallbackQuery) -> None:
    """A button press: valid only while the chat is picking a category and the category is still open to me."""
    lang = chat_language(call.from_user.language_code if call.from_user else None)
    message = call.message
    data = call.data or ""
    chosen = None
    if message is not None and message.chat.type == "private" and data.startswith(CATEGORY_CALLBACK):
        link = linking.link_for_chat(message.chat.id)
        state = conversation.get_state(message.chat.id) if link is not None else None
        raw = data[len(CATEGORY_CALLBACK) :]
        if state and state.get("step") == "category" and raw.isdigit():
            chosen = next((c for c, _ in goals.writable_categories(link.user) if c.id == int(raw)), None)
        if chosen is not None:
            _choose(link.user, message.chat.id, lang, chosen)
    answer = None if chosen is not None else t(lang, "stale_button")
    after_commit(lambda: _answer_callback(bot, call.id, answer), "answer the button")


def _answer_callback(bot: telebot.TeleBot, callback_id: str, text: str | None) -> None:
    try:
        bot.answer_callback_query(callback_id, text=text)
    except Exception as exc:  # noqa: BLE001  (only stops the button's spinner; never worth failing over)
        log.info("answerCallbackQuery failed (%s)", exc.__class__.__name__)


COMMANDS: dict[str, Callable[[User, int, str, str], None]] = {
    "start": cmd_start,
    "link": cmd_start,
    "help": cmd_help,
    "goals": cmd_goals,
    "create": cmd_create,
    "tasks": cmd_tasks,
    "done": cmd_done,
    "habits": cmd_habits,
}
