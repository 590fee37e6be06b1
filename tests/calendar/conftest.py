"""Calendar feed fixtures: objects created through the API, the feed fetched and parsed back with icalendar."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import event

from app.extensions import db
from tests.factories import ApiClient, Session

TOKEN = "/api/v1/calendar/feed-token"


class CalendarApi:
    """Shortcuts that go through the HTTP API and assert they worked."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def subscribe(self, who: Session) -> str:
        """A new feed URL (path and query, ready for the test client)."""
        resp = self.api.post(TOKEN, who)
        assert resp.status_code == 200, resp.json
        parts = urlsplit(resp.json["url"])
        return f"{parts.path}?{parts.query}"

    def fetch(self, url: str, **headers: str):
        return self.api.client.get(url, headers=headers)

    def calendar(self, url: str) -> Calendar:
        resp = self.fetch(url)
        assert resp.status_code == 200, resp.data[:300]
        return Calendar.from_ical(resp.data)

    def events(self, url: str) -> dict[str, Any]:
        """VEVENTs by UID."""
        return {str(ev["UID"]): ev for ev in self.calendar(url).walk("VEVENT")}

    def set_timezone(self, who: Session, tz: str) -> None:
        resp = self.api.patch("/api/v1/auth/me", who, json={"timezone": tz})
        assert resp.status_code == 200, resp.json

    def board(self, who: Session, title: str = "Board") -> int:
        resp = self.api.post("/api/v1/boards", who, json={"title": title})
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def category(self, who: Session, board_id: int | None = None, title: str = "Работа") -> int:
        board_id = board_id if board_id is not None else self.board(who)
        resp = self.api.post("/api/v1/categories", who, json={"title": title, "board_id": board_id})
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def goal(self, who: Session, category_id: int, title: str = "Goal", **fields: Any) -> dict:
        resp = self.api.post("/api/v1/goals", who, json={"title": title, "category_id": category_id, **fields})
        assert resp.status_code == 201, resp.json
        return resp.json

    def task_list(self, admin: Session, *members: Session) -> int:
        team = self.api.post("/api/v1/teams", admin, json={"name": "Crew"})
        assert team.status_code == 201, team.json
        for member in members:
            added = self.api.post(
                f"/api/v1/teams/{team.json['id']}/members", admin, json={"username": member.username, "role": "member"}
            )
            assert added.status_code == 201, added.json
        resp = self.api.post(f"/api/v1/teams/{team.json['id']}/lists", admin, json={"name": "Backlog"})
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def task(self, who: Session, list_id: int, title: str = "Task", **fields: Any) -> dict:
        resp = self.api.post(f"/api/v1/lists/{list_id}/tasks", who, json={"title": title, **fields})
        assert resp.status_code == 201, resp.json
        return resp.json

    def habit(self, who: Session, **fields: Any) -> dict:
        data = {
            "action": "сделать 10 приседаний",
            "place": "дома",
            "time": "07:30",
            "periodicity_days": 1,
            "duration_seconds": 60,
            **fields,
        }
        resp = self.api.post("/api/v1/habits", who, json=data)
        assert resp.status_code == 201, resp.json
        return resp.json


@pytest.fixture
def cal(api: ApiClient) -> CalendarApi:
    return CalendarApi(api)


@pytest.fixture
def count_statements(app) -> Iterator[list[str]]:
    """Every SQL statement sent while the test runs (savepoints excluded)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if "SAVEPOINT" not in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
