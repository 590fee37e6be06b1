"""The bot's plain commands: linking (/start, /link), /help, /goals, /tasks and /done."""

from __future__ import annotations

from telebot import types

from app.auth.models import User
from app.bot.replies import MAX_LIST_ITEMS, items_text, local, reply
from app.errors import DomainError
from app.extensions import db
from app.goals import services as goals
from app.goals.models import STATUSES
from app.notify import linking
from app.notify.models import TelegramLink
from app.notify.texts import t
from app.teams import services as teams

OPEN_GOAL_STATUSES = [s for s in STATUSES if s not in ("done", "archived")]


def offer_code(message: types.Message, lang: str, *, asked_for_data: bool) -> None:
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
    reply(chat_id, items_text(t(lang, "goals_header", count=count), lines, lang))


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
            line += f" — {t(lang, 'deadline', when=local(user, task.deadline))}"
        lines.append(line)
    count = len(found) if len(found) <= MAX_LIST_ITEMS else f"{MAX_LIST_ITEMS}+"
    reply(chat_id, items_text(t(lang, "tasks_header", count=count), lines, lang))


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


def start_with_token(message: types.Message, lang: str, token: str, link: TelegramLink | None) -> None:
    """`/start <token>` from the app's one-tap link: link this chat to the account that asked for it."""
    sender = message.from_user
    chat = linking.ChatInfo(
        chat_id=message.chat.id,
        telegram_user_id=sender.id if sender else None,
        username=(sender.username if sender else None) or message.chat.username,
        language_code=sender.language_code if sender else None,
    )
    outcome, user = linking.redeem_link_token(token, chat)
    if outcome == "linked":
        reply(message.chat.id, t(lang, "linked", username=user.username))
    elif outcome == "already":
        reply(message.chat.id, t(lang, "already_linked", username=user.username))
    elif outcome == "elsewhere":
        reply(message.chat.id, t(lang, "linked_elsewhere", username=user.username))
    elif link is not None:
        reply(message.chat.id, t(lang, "link_token_bad"))
    else:
        reply(message.chat.id, t(lang, "link_token_bad"))
        offer_code(message, lang, asked_for_data=False)
