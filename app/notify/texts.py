"""What the bot says: Russian by default, English when the user's Telegram language starts with "en"."""

from __future__ import annotations

RU = "ru"
EN = "en"

TEXTS: dict[str, dict[str, str]] = {
    RU: {
        "link_code": (
            "Чтобы связать этот чат с аккаунтом Kalendar, введите код {code} в приложении "
            "(профиль → Telegram). Код действует 10 минут и подходит один раз."
        ),
        "link_first": "Сначала свяжите чат с аккаунтом.",
        "linked": "Готово: чат связан с аккаунтом {username}. Команды: /help",
        "already_linked": "Чат уже связан с аккаунтом {username}. Команды: /help",
        "help": (
            "Команды:\n"
            "/goals — мои открытые цели\n"
            "/create — создать цель\n"
            "/tasks — мои открытые задачи\n"
            "/done <id> — отметить задачу выполненной\n"
            "/habits — мои привычки и ближайшие напоминания\n"
            "/cancel — прервать создание цели\n"
            "/help — эта справка"
        ),
        "unknown_command": "Неизвестная команда. Список команд: /help",
        "text_only": "Я понимаю только текстовые команды. Список команд: /help",
        "private_only": "Я работаю только в личных сообщениях.",
        "apology": "Извините, что-то пошло не так. Попробуйте ещё раз чуть позже.",
        "no_goals": "Открытых целей нет.",
        "goals_header": "Открытые цели ({count}):",
        "no_due": "без срока",
        "due": "срок {date}, осталось дней: {days}",
        "overdue": "срок {date}, просрочено на {days} дн.",
        "no_tasks": "Открытых задач, назначенных вам, нет.",
        "tasks_header": "Мои открытые задачи ({count}):",
        "deadline": "дедлайн {when}",
        "done_usage": "Укажите номер задачи: /done <id>, например /done 42. Номера — в /tasks.",
        "done_ok": "Задача #{id} «{title}» выполнена.",
        "done_refused": "Задача #{id} не найдена среди назначенных вам.",
        "no_habits": "Привычек пока нет.",
        "habits_header": "Мои привычки ({count}):",
        "next_reminder": "следующее напоминание {when}",
        "no_reminder": "без напоминания",
        "no_categories": "Нет категорий, в которые вы можете добавлять цели. Создайте категорию в приложении.",
        "pick_category": "Выберите категорию (или напишите её название). /cancel — отмена.",
        "unknown_category": "Такой категории нет. Выберите из списка. /cancel — отмена.",
        "send_title": "Категория «{category}». Пришлите название цели. /cancel — отмена.",
        "title_as_text": "Пришлите название цели текстом. /cancel — отмена.",
        "goal_created": "Цель #{id} «{title}» создана в категории «{category}».",
        "goal_invalid": "Не получилось создать цель: {errors} Пришлите другое название или /cancel.",
        "goal_refused": "Не получилось создать цель: {error}",
        "cancelled": "Создание цели отменено.",
        "nothing_to_cancel": "Нечего отменять: сейчас ничего не происходит.",
        "stale_button": "Эта кнопка устарела.",
        "more": "…и другие — в приложении.",
    },
    EN: {
        "link_code": (
            "To link this chat to your Kalendar account, enter the code {code} in the app "
            "(profile → Telegram). The code is valid for 10 minutes and works once."
        ),
        "link_first": "Link this chat to your account first.",
        "linked": "Done: this chat is linked to the account {username}. Commands: /help",
        "already_linked": "This chat is already linked to the account {username}. Commands: /help",
        "help": (
            "Commands:\n"
            "/goals — my open goals\n"
            "/create — create a goal\n"
            "/tasks — my open tasks\n"
            "/done <id> — mark a task done\n"
            "/habits — my habits and their next reminders\n"
            "/cancel — stop creating a goal\n"
            "/help — this help"
        ),
        "unknown_command": "Unknown command. See /help",
        "text_only": "I only understand text commands. See /help",
        "private_only": "I only work in private chats.",
        "apology": "Sorry, something went wrong. Please try again a bit later.",
        "no_goals": "No open goals.",
        "goals_header": "Open goals ({count}):",
        "no_due": "no due date",
        "due": "due {date}, {days} days left",
        "overdue": "due {date}, {days} days overdue",
        "no_tasks": "No open tasks assigned to you.",
        "tasks_header": "My open tasks ({count}):",
        "deadline": "deadline {when}",
        "done_usage": "Give the task number: /done <id>, e.g. /done 42. Numbers are in /tasks.",
        "done_ok": "Task #{id} “{title}” is done.",
        "done_refused": "Task #{id} is not among the tasks assigned to you.",
        "no_habits": "No habits yet.",
        "habits_header": "My habits ({count}):",
        "next_reminder": "next reminder {when}",
        "no_reminder": "no reminder",
        "no_categories": "There are no categories you may add goals to. Create one in the app.",
        "pick_category": "Pick a category (or type its name). /cancel to stop.",
        "unknown_category": "No such category. Pick one from the list. /cancel to stop.",
        "send_title": "Category “{category}”. Send the goal's title. /cancel to stop.",
        "title_as_text": "Send the goal's title as text. /cancel to stop.",
        "goal_created": "Goal #{id} “{title}” created in the category “{category}”.",
        "goal_invalid": "Could not create the goal: {errors} Send another title or /cancel.",
        "goal_refused": "Could not create the goal: {error}",
        "cancelled": "Goal creation cancelled.",
        "nothing_to_cancel": "Nothing to cancel: nothing is going on.",
        "stale_button": "This button is outdated.",
        "more": "…and more in the app.",
    },
}


def language(code: str | None) -> str:
    return EN if (code or "").lower().startswith("en") else RU


def t(lang: str, key: str, **values: object) -> str:
    return TEXTS.get(lang, TEXTS[RU])[key].format(**values)
