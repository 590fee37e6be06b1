"""What the bot does with an update: the unit of work and the router to the handlers by subject.

* `handle_update(app, bot, update)` is the unit of work: one app context and one DB transaction per update
  (commit on success, rollback on error, session removed afterwards). An update id already handled is
  skipped (Telegram may deliver it again after a restart), so nothing is created twice.
* Handlers (app.bot.commands, app.bot.create, app.bot.habits) call the same services as the API. Replies,
  button answers, edits and conversation-state writes go through the one after-commit hook
  (app.common.after_commit), held until the update's transaction has committed: a reply never announces a
  change that was rolled back. What sending writes (a 403 marks the link blocked) is committed after them.
* Any exception is logged and answered with a short apology; it never reaches the polling loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import telebot
from flask import Flask
from telebot import types

from app.auth.models import User
from app.bot import commands, conversation, create, habits
from app.bot.replies import answer_button, reply
from app.common.after_commit import after_commit, held, run_actions
from app.extensions import db
from app.notify import client, linking
from app.notify.texts import chat_language, t

log = logging.getLogger(__name__)

OTHER_BOT = "\0other-bot"  # a command addressed to another bot: not ours to answer


# --- the unit of work ---------------------------------------------------------------------------------


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


# --- routing ------------------------------------------------------------------------------------------


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
    if link is not None and not link.user.is_active:
        # Deactivated: the chat stays linked (re-activation restores it) but gets nothing, whatever it sends.
        after_commit(lambda: conversation.clear_state(chat.id), "clear the conversation")
        reply(chat.id, t(lang, "account_disabled"))
        return
    if command == "start" and args:  # a deep link t.me/<bot>?start=<token> from the app
        commands.start_with_token(message, lang, args, link)
        return
    if link is None:
        commands.offer_code(message, lang, asked_for_data=bool(command) and command not in ("start", "link"))
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
        create.continue_create(user, chat.id, lang, state, text)
        return
    reply(chat.id, t(lang, "unknown_command") if text is not None else t(lang, "text_only"))


def on_callback(bot: telebot.TeleBot, call: types.CallbackQuery) -> None:
    """A button press, by its callback data: a category of /create, or a habit's ✅ ⏭ ⏰."""
    lang = chat_language(call.from_user.language_code if call.from_user else None)
    data = call.data or ""
    if call.message is None or call.message.chat.type != "private":
        answer_button(bot, call.id, t(lang, "stale_button"))
    elif _deactivated(call.message.chat.id):
        answer_button(bot, call.id, t(lang, "stale_button"))  # a deactivated account's buttons do nothing
    elif data.startswith(create.CATEGORY_CALLBACK):
        create.on_category_button(bot, call, lang)
    else:
        habits.on_habit_button(bot, call, lang)


def _deactivated(chat_id: int) -> bool:
    link = linking.link_for_chat(chat_id)
    return link is not None and not link.user.is_active


COMMANDS: dict[str, Callable[[User, int, str, str], None]] = {
    "start": commands.cmd_start,
    "link": commands.cmd_start,
    "help": commands.cmd_help,
    "goals": commands.cmd_goals,
    "create": create.cmd_create,
    "tasks": commands.cmd_tasks,
    "done": commands.cmd_done,
    "habits": habits.cmd_habits,
}
