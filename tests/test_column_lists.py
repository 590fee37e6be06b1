"""Hot lists select plain columns; those columns are the ones their schema shows, and cannot drift from it."""

from __future__ import annotations

import marshmallow as ma
import pytest

from app.common.schemas import schema_columns
from app.goals.models import Goal
from app.goals.queries import LIST_COLUMNS
from app.goals.schemas import GoalSchema
from app.teams.models import Task
from app.teams.schemas import TaskSchema
from app.teams.services import TASK_LIST_COLUMNS

HOT_LISTS = [
    pytest.param(LIST_COLUMNS, Goal, GoalSchema, {"days_left"}, id="goals"),
    pytest.param(TASK_LIST_COLUMNS, Task, TaskSchema, set(), id="tasks"),
]


@pytest.mark.parametrize(("columns", "model", "schema", "computed"), HOT_LISTS)
def test_a_hot_list_selects_exactly_what_its_schema_shows(columns, model, schema, computed):
    assert all(column.class_ is model for column in columns)
    assert [column.key for column in columns] == [name for name in schema().dump_fields if name not in computed]


def test_a_shown_field_without_a_column_is_refused():
    class Drifted(GoalSchema):
        renamed_title = ma.fields.String()

    with pytest.raises(TypeError, match="renamed_title"):
        schema_columns(Goal, Drifted, computed=("days_left",))


def test_the_lists_answer_with_every_field_of_their_schema(api):
    alice = api.signup_and_login("alice")
    board = api.post("/api/v1/boards", alice, json={"title": "B"}).json
    category = api.post("/api/v1/categories", alice, json={"title": "C", "board_id": board["id"]}).json
    assert api.post("/api/v1/goals", alice, json={"title": "G", "category_id": category["id"]}).status_code == 201
    goals = api.get("/api/v1/goals", alice).json
    assert set(goals[0]) == set(GoalSchema().dump_fields)

    team = api.post("/api/v1/teams", alice, json={"name": "T"}).json
    task_list = api.post(f"/api/v1/teams/{team['id']}/lists", alice, json={"name": "L"}).json
    assert api.post(f"/api/v1/lists/{task_list['id']}/tasks", alice, json={"title": "X"}).status_code == 201
    tasks = api.get(f"/api/v1/lists/{task_list['id']}/tasks", alice).json
    assert set(tasks[0]) == set(TaskSchema().dump_fields)
