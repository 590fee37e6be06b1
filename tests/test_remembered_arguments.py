"""Query-string filters of an opted-in schema are loaded once per query string (app/common/blueprint.py)."""

from __future__ import annotations

import flask
import pytest

from app.common import blueprint
from app.goals.schemas import CategoryQuerySchema, GoalQuerySchema

PARSER = blueprint.Blueprint.ARGUMENTS_PARSER


@pytest.fixture
def loads(monkeypatch) -> list[type]:
    """The schema classes webargs really loaded with, in order."""
    seen: list[type] = []
    original = blueprint.ReusingParser.parse

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        seen.append(argmap)
        return original(self, argmap, req, location=location, **kwargs)

    monkeypatch.setattr(blueprint.ReusingParser, "parse", parse)
    monkeypatch.setattr(PARSER, "_loaded", {})
    return seen


def test_a_repeated_goal_query_is_loaded_once_and_answers_the_same(api, user, loads):
    query = "/api/v1/goals?status=todo&status=done&ordering=-due_date&search=a"
    first = api.get(query, user)
    second = api.get(query, user)
    assert first.status_code == second.status_code == 200
    assert first.json == second.json
    assert loads.count(GoalQuerySchema) == 1
    assert api.get(query + "&page=2", user).status_code == 200  # another query string: loaded again
    assert loads.count(GoalQuerySchema) == 2


def test_what_a_view_changes_in_the_arguments_does_not_reach_the_next_request(app, loads):
    with app.test_request_context("/api/v1/goals?status=todo"):
        first = PARSER.parse(GoalQuerySchema, flask.request, location="query")
        first["status"].append("done")
        first["search"] = "changed"
        assert PARSER.parse(GoalQuerySchema, flask.request, location="query") == {
            "status": ["todo"],
            "ordering": first["ordering"],
        }
    assert loads.count(GoalQuerySchema) == 1


def test_bad_filters_are_refused_every_time(api, user, loads):
    for _ in range(2):
        refused = api.get("/api/v1/goals?ordering=nonsense", user)
        assert refused.status_code == 422
        assert "ordering" in str(refused.json["errors"])
    assert loads.count(GoalQuerySchema) == 2


def test_a_schema_that_does_not_opt_in_is_loaded_every_time(app, loads):
    with app.test_request_context("/api/v1/categories?board=1"):
        for _ in range(2):
            PARSER.parse(CategoryQuerySchema, flask.request, location="query")
    assert loads.count(CategoryQuerySchema) == 2
