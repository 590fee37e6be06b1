"""Goal planner fixtures: a shared board with one user per role, and helpers that go through the API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.factories import ApiClient, Session


class GoalApi:
    """Shortcuts that create objects through the HTTP API and assert it worked."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def board(self, who: Session, title: str = "Board") -> dict:
        resp = self.api.post("/api/v1/boards", who, json={"title": title})
        assert resp.status_code == 201, resp.json
        return resp.json

    def add(self, owner: Session, board_id: int, who: Session, role: str) -> None:
        resp = self.api.post(
            f"/api/v1/boards/{board_id}/participants", owner, json={"username": who.username, "role": role}
        )
        assert resp.status_code == 201, resp.json

    def category(self, who: Session, board_id: int, title: str = "Category") -> dict:
        resp = self.api.post("/api/v1/categories", who, json={"title": title, "board_id": board_id})
        assert resp.status_code == 201, resp.json
        return resp.json

    def goal(self, who: Session, category_id: int, title: str = "Goal", **fields: Any) -> dict:
        resp = self.api.post("/api/v1/goals", who, json={"title": title, "category_id": category_id, **fields})
        assert resp.status_code == 201, resp.json
        return resp.json

    def comment(self, who: Session, goal_id: int, text: str = "Note") -> dict:
        resp = self.api.post(f"/api/v1/goals/{goal_id}/comments", who, json={"text": text})
        assert resp.status_code == 201, resp.json
        return resp.json

    def goals(self, who: Session, query: str = "") -> list[dict]:
        resp = self.api.get(f"/api/v1/goals?page_size=100{'&' + query if query else ''}", who)
        assert resp.status_code == 200, resp.json
        return resp.json


@pytest.fixture
def g(api: ApiClient) -> GoalApi:
    return GoalApi(api)


@dataclass
class Team:
    owner: Session
    writer: Session
    reader: Session
    stranger: Session
    board: dict
    category: dict
    goal: dict


@pytest.fixture
def team(api: ApiClient, g: GoalApi) -> Team:
    owner, writer = api.signup_and_login("olga"), api.signup_and_login("wasya")
    reader, stranger = api.signup_and_login("roman"), api.signup_and_login("stas")
    board = g.board(owner, "Shared")
    g.add(owner, board["id"], writer, "writer")
    g.add(owner, board["id"], reader, "reader")
    category = g.category(owner, board["id"], "Work")
    goal = g.goal(owner, category["id"], "Ship it", due_date="2030-01-10")
    return Team(owner, writer, reader, stranger, board, category, goal)


@pytest.fixture
def count_statements(app) -> Iterator[list[str]]:
    """Every SQL statement sent while the test runs (to assert constant query counts)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            statements.append(statement)  # savepoints are the test harness's transaction control, not the code's

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
