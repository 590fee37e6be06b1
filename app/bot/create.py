"""The bot's /create conversation: pick a category (a button or its name), then send the goal's title.

The conversation's state lives in Redis (app.bot.conversation); every write to it is held until the update
has committed, like the replies.
"""

from __future__ import annotations

import marshmallow as ma
import telebot
from telebot import types

from app.auth.models import User
from app.bot import conversation
from app.bot.replies import answer_button, reply
from app.common.after_commit import after_commit
from app.errors import DomainError, ValidationFailed, field_messages
from app.extensions import db
from app.goals import services as goals
from app.goals.models import Category
from app.goals.schemas import GoalCreateSchema
from app.notify import linking
from app.notify.texts import t

MAX_CATEGORY_BUTTONS = 50
CATEGORY_CALLBACK = "cat:"


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


def continue_create(user: User, chat_id: int, lang: str, state: dict, text: str | None) -> None:
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
        reply(chat_id, t(lang, "goal_invalid", errors=field_messages(ValidationFailed(err.messages))))
        return
    try:
        with db.session.begin_nested():
            goal = goals.create_goal(user, data)
    except ValidationFailed as err:
        reply(chat_id, t(lang, "goal_invalid", errors=field_messages(err)))
        return
    except DomainError as err:  # the category went away or my role changed meanwhile
        after_commit(lambda: conversation.clear_state(chat_id), "clear the conversation")
        reply(chat_id, t(lang, "goal_refused", error=err.message))
        return
    after_commit(lambda: conversation.clear_state(chat_id), "clear the conversation")
    reply(chat_id, t(lang, "goal_created", id=goal.id, title=goal.title, category=state.get("category", "")))


def on_category_button(bot: telebot.TeleBot, call: types.CallbackQuery, lang: str) -> None:
    """Valid only while the chat is picking a category and the category is still open to me."""
    message = call.message
    chosen = None
    if message is not None:
        link = linking.link_for_chat(message.chat.id)
        state = conversation.get_state(message.chat.id) if link is not None else None
        raw = (call.data or "")[len(CATEGORY_CALLBACK) :]
        if state and state.get("step") == "category" and raw.isdigit():
            chosen = next((c for c, _ in goals.writable_categories(link.user) if c.id == int(raw)), None)
        if chosen is not None:
            _choose(link.user, message.chat.id, lang, chosen)
    answer_button(bot, call.id, None if chosen is not None else t(lang, "stale_button"))
