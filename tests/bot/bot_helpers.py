"""Shared helpers for the bot tests: API set-up of boards, goals, teams and habits, and update builders."""

from __future__ import annotations

import itertools
import time

from app.extensions import db
from app.notify.models import TelegramLink
from fakes.telegram import FakeTelegram
from tests.factories import ApiClient, Session

_message_ids = itertools.count(1)


def link(who: Session, chat_id: int, language_code: str | None = "ru") -> None:
    db.session.add(
        TelegramLink(
            user_id=who.id,
            chat_id=chat_id,
            telegram_user_id=chat_id,
            username=who.username,
            language_code=language_code,
        )
    )
    db.session.commit()


def personal_board(api: ApiClient, who: Session) -> int:
    boards = api.get("/api/v1/boards", who)
    assert boards.status_code == 200, boards.json
    return boards.json[0]["id"]


def category(api: ApiClient, who: Session, title: str, board_id: int | None = None) -> int:
    board_id = board_id or personal_board(api, who)
    created = api.post("/api/v1/categories", who, json={"title": title, "board_id": board_id})
    assert created.status_code == 201, created.json
    return created.json["id"]


def goal(api: ApiClient, who: Session, category_id: int, title: str, **fields) -> dict:
    created = api.post("/api/v1/goals", who, json={"title": title, "category_id": category_id, **fields})
    assert created.status_code == 201, created.json
    return created.json


def team_with_tasks(api: ApiClient, admin: Session, member: Session) -> dict:
    team = api.post("/api/v1/teams", admin, json={"name": "Crew"}).json["id"]
    added = api.post(f"/api/v1/teams/{team}/members", admin, json={"username": member.username, "role": "member"})
    assert added.status_code == 201, added.json
    list_id = api.post(f"/api/v1/teams/{team}/lists", admin, json={"name": "Backlog"}).json["id"]

    def task(title, assignee, **fields):
        made = api.post(
            f"/api/v1/lists/{list_id}/tasks",
            admin,
            json={"title": title, "assignee_id": assignee.id if assignee else None, **fields},
        )
        assert made.status_code == 201, made.json
        return made.json["id"]

    return {"team_id": team, "list_id": list_id, "task": task}


def message(
    chat_id: int,
    text: str | None = None,
    *,
    language_code: str = "ru",
    chat_type: str = "private",
    update_id: int | None = None,
    **content,
) -> dict:
    sender = {
        "id": chat_id if chat_type == "private" else 4242,
        "is_bot": False,
        "first_name": "Test",
        "username": f"user{chat_id}",
        "language_code": language_code,
    }
    body = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "from": sender,
        "chat": {"id": chat_id, "type": chat_type, "username": f"user{chat_id}"},
        **content,
    }
    if text is not None:
        body["text"] = text
    update = {"message": body}
    if update_id is not None:
        update["update_id"] = update_id
    return update


def sticker(chat_id: int) -> dict:
    return message(
        chat_id,
        sticker={
            "file_id": "CAACAgIAAx",
            "file_unique_id": "AgADx",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        },
    )


def callback(chat_id: int, data: str, *, callback_id: str = "cb1") -> dict:
    sender = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": "ru"}
    return {
        "callback_query": {
            "id": callback_id,
            "from": sender,
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "pick",
            },
        }
    }


def quiet(fake: FakeTelegram, seconds: float) -> bool:
    """No message arrives for `seconds` (bot.py polls with a 1 s timeout, worker.py schedules every 0.2 s)."""
    before = len(fake.messages())
    time.sleep(seconds)
    return len(fake.messages()) == before
