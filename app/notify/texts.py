"""Everything the bot, reminders and notifications say, as msgids of the one catalogue (app.common.i18n).

Keys name the message at its call site; the English text is the msgid, its Russian lives in
app/translations/ru/LC_MESSAGES/messages.po. `t(lang, key, **values)` renders it for one recipient.
"""

from __future__ import annotations

from app.common.i18n import N_, Nn_, chat_language, translate

__all__ = ["TEXTS", "chat_language", "t"]

TEXTS: dict[str, str | tuple[str, str]] = {
    "link_code": Nn_(
        "To link this chat to your Kalendar account, enter the code %(code)s in the app (profile → Telegram). "
        "The code is valid for %(num)d minute and works once.",
        "To link this chat to your Kalendar account, enter the code %(code)s in the app (profile → Telegram). "
        "The code is valid for %(num)d minutes and works once.",
    ),
    "link_first": N_("Link this chat to your account first."),
    "account_disabled": N_("Your Kalendar account is disabled: nothing is available here until it is enabled again."),
    "linked": N_("Done: this chat is linked to the account %(username)s. Commands: /help"),
    "already_linked": N_("This chat is already linked to the account %(username)s. Commands: /help"),
    "help": N_(
        "Commands:\n"
        "/goals — my open goals\n"
        "/create — create a goal\n"
        "/tasks — my open tasks\n"
        "/done <id> — mark a task done\n"
        "/habits — my habits today, with ✅ ⏭ ⏰ buttons\n"
        "/cancel — stop creating a goal\n"
        "/help — this help"
    ),
    "unknown_command": N_("Unknown command. See /help"),
    "text_only": N_("I only understand text commands. See /help"),
    "private_only": N_("I only work in private chats."),
    "apology": N_("Sorry, something went wrong. Please try again a bit later."),
    "no_goals": N_("No open goals."),
    "goals_header": N_("Open goals (%(count)s):"),
    "no_due": N_("no due date"),
    "due": N_("due %(date)s, %(days)s days left"),
    "overdue": N_("due %(date)s, %(days)s days overdue"),
    "no_tasks": N_("No open tasks assigned to you."),
    "tasks_header": N_("My open tasks (%(count)s):"),
    "deadline": N_("deadline %(when)s"),
    "done_usage": N_("Give the task number: /done <id>, e.g. /done 42. Numbers are in /tasks."),
    "done_ok": N_("Task #%(id)s “%(title)s” is done."),
    "done_refused": N_("Task #%(id)s is not among the tasks assigned to you."),
    "no_habits": N_("No habits yet."),
    "habits_header": N_("My habits (%(count)s):"),
    "next_reminder": N_("next reminder %(when)s"),
    "habit_open": N_("today: not yet"),
    "habit_done_today": N_("today: ✅ done"),
    "habit_skipped_today": N_("today: ⏭ skipped"),
    "habit_streak": N_("streak %(current)s (best %(best)s)"),
    "button_done": N_("✅ Done"),
    "button_skip": N_("⏭ Skip"),
    "button_later": N_("⏰ Later"),
    "pressed_done": N_("✅ Done — streak %(streak)s"),
    "pressed_skip": N_("⏭ Skipped — streak %(streak)s"),
    "pressed_later": N_("⏰ Later: I will remind you again at %(time)s"),
    "already_done": N_("%(date)s is already done: nothing changed."),
    "already_skipped": N_("%(date)s is already skipped: nothing changed."),
    "already_snoozed": N_("This reminder is already postponed until %(time)s: nothing changed."),
    "snooze_past": N_("This reminder is for an earlier day: it cannot be postponed."),
    "not_your_habit": N_("This habit belongs to another account: nothing changed."),
    "habit_gone": N_("This habit has been deleted: nothing changed."),
    "link_token_bad": N_("This link is wrong, expired or already used. Get a new one in the app."),
    "linked_elsewhere": N_(
        "This chat is already linked to the account %(username)s: nothing changed. "
        "Unlink it in that account's profile first."
    ),
    "no_reminder": N_("no reminder"),
    "no_categories": N_("There are no categories you may add goals to. Create one in the app."),
    "pick_category": N_("Pick a category (or type its name). /cancel to stop."),
    "unknown_category": N_("No such category. Pick one from the list. /cancel to stop."),
    "send_title": N_("Category “%(category)s”. Send the goal's title. /cancel to stop."),
    "title_as_text": N_("Send the goal's title as text. /cancel to stop."),
    "goal_created": N_("Goal #%(id)s “%(title)s” created in the category “%(category)s”."),
    "goal_invalid": N_("Could not create the goal: %(errors)s Send another title or /cancel."),
    "goal_refused": N_("Could not create the goal: %(error)s"),
    "cancelled": N_("Goal creation cancelled."),
    "nothing_to_cancel": N_("Nothing to cancel: nothing is going on."),
    "stale_button": N_("This button is outdated."),
    "more": N_("…and more in the app."),
    "reminder": N_("I will %(action)s at %(time)s in %(place)s"),
    "reminder_reward": N_("Reward: %(reward)s"),
    "reminder_then": N_("Then: %(action)s"),
    "digest": Nn_(
        "%(num)d more notification this hour:",
        "%(num)d more notifications this hour:",
    ),
    "digest_more": N_("…and %(count)d more in the app."),
    "task_assigned_title": N_("New task for you"),
    "task_assigned_body": N_("%(title)s (%(team)s), task #%(id)s"),
    "task_overdue_title": N_("Task overdue"),
    "task_overdue_body": N_("%(title)s (%(team)s), task #%(id)s: the deadline %(deadline)s UTC has passed"),
}


def t(lang: str, key: str, num: int | None = None, **values: object) -> str:
    """The message `key` in `lang` ("en" or "ru"); `num` picks the plural form of a pluralised message."""
    return translate(lang, TEXTS[key], num, **values)
