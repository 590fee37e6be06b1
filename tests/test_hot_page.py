"""A hot list's page (app.common.pagination.HotPage) is one statement, an empty page included: its rows carry the
total, and the COUNT that an empty page needs instead runs only then."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import Integer, bindparam, select

from app.common.pagination import HotPage
from app.extensions import db
from app.goals.models import Goal
from tests.test_fast_lists import own_statements  # noqa: F401  (the fixture)


def _goals(api, user, count: int) -> None:
    board = api.get("/api/v1/boards", user).json[0]["id"]
    category = api.post("/api/v1/categories", user, json={"title": "Home", "board_id": board}).json["id"]
    for n in range(count):
        assert api.post("/api/v1/goals", user, json={"category_id": category, "title": f"G{n}"}).status_code == 201


def test_an_empty_goal_page_is_one_statement_with_its_total(api, user, own_statements):  # noqa: F811
    _goals(api, user, 3)
    for query, rows, total in (
        ("page_size=2&page=2", 1, 3),
        ("page_size=2&page=3", 0, 3),  # past the end
        ("page_size=2&page=1000000", 0, 3),
        ("status=done", 0, 0),  # nothing matches
        ("search=nowhere&page=2", 0, 0),
    ):
        own_statements.clear()
        listed = api.get(f"/api/v1/goals?{query}", user)
        assert listed.status_code == 200 and len(listed.json) == rows, (query, listed.json)
        assert f'"total": {total}' in listed.headers["X-Pagination"], query
        assert len(own_statements) == 1, (query, own_statements)


def _plan(page: HotPage, **values) -> str:
    statement = page._page
    params = {**statement._defaults, **values}
    rows = db.session.connection().exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {statement.sql}", params)
    return "\n".join(row[0] for row in rows)


def test_the_count_runs_only_for_an_empty_page(api, user):
    _goals(api, user, 3)
    mine = Goal.author_id == bindparam("author", type_=Integer)
    page = HotPage(select(Goal.id, Goal.title).where(mine).order_by(Goal.id))
    paging = SimpleNamespace(page=1, page_size=2, item_count=None)
    assert [row["title"] for row in page({"author": user.id}, paging)] == ["G0", "G1"] and paging.item_count == 3
    listed = _plan(page, author=user.id, page_limit=2, page_offset=0)
    aggregate = next(line for line in listed.splitlines() if "Aggregate" in line)
    assert "never executed" in aggregate, listed
    empty = _plan(page, author=user.id, page_limit=2, page_offset=4)
    aggregate = next(line for line in empty.splitlines() if "Aggregate" in line)
    assert "never executed" not in aggregate, empty
    paging.page = 3
    assert page({"author": user.id}, paging) == [] and paging.item_count == 3


def test_a_count_without_a_row_means_nothing_to_list(api, user):
    """A HotPage's own `count` says "nothing to list for these values" with no row (a list the caller cannot
    see): the page answers None, not an empty page, still in one statement."""
    _goals(api, user, 1)
    mine = Goal.author_id == bindparam("author", type_=Integer)
    page = HotPage(select(Goal.id).where(mine), count=select(bindparam("known", type_=Integer)).where(mine))
    paging = SimpleNamespace(page=5, page_size=2, item_count=None)
    assert page({"author": user.id, "known": 7}, paging) == [] and paging.item_count == 7
    paging = SimpleNamespace(page=1, page_size=2, item_count=None)
    assert page({"author": user.id + 1000, "known": 7}, paging) is None and paging.item_count is None
