"""app.common.blueprint: the paging arguments read without webargs, the X-Pagination fields without
flask-smorest's schema dump — the same values, errors and header text as flask-smorest's own code."""

from __future__ import annotations

import json

import pytest
from flask_smorest.pagination import PaginationMixin, _pagination_parameters_schema_factory
from webargs.flaskparser import FlaskParser

from app.common.blueprint import Blueprint, PagingParser


@pytest.mark.parametrize("page_size", [1, 5, 7, 100])
def test_the_pagination_header_is_flask_smorests(page_size):
    for item_count in (0, 1, 6, 7, 8, 35, 101):
        for page in (1, 2, 3, 5, 6, 7, 10**20):
            ours = Blueprint._make_pagination_metadata(page, page_size, item_count)
            theirs = PaginationMixin._make_pagination_metadata(page, page_size, item_count)
            assert json.dumps(ours) == json.dumps(theirs), (page, page_size, item_count)


QUERIES = [
    "",
    "page=2",
    "page_size=5",
    "page=3&page_size=20",
    "page=0005&page_size=007",
    "page=2&page=3&page_size=4&page_size=9",  # the first of each, as webargs takes it
    "page=100000000000000000000000",
    "page=" + "9" * 5000,  # more digits than int() takes
    "page_size=" + "9" * 5000,
    "page=0",
    "page=-1",
    "page=+2",
    "page= 2",
    "page=2.0",
    "page=%D9%A5",  # an Arabic-Indic five: int() reads it, isascii() does not
    "page=%C2%B2",  # a superscript two: isdigit() but not int()
    "page=",
    "page=x",
    "page_size=0",
    "page_size=100",
    "page_size=101",
    "page_size=",
    "unknown=1&page=2",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_paging_arguments_are_what_webargs_makes_of_them(app, query):
    schema = _pagination_parameters_schema_factory(1, 5, 100)

    def parsed(parser):
        with app.test_request_context(f"/?{query}"):
            from flask import request

            try:
                params = parser.parse(schema, request, location="query")
            except Exception as error:  # webargs' error handler: the 422 and its messages
                return type(error).__name__, getattr(error, "code", None), error.data["messages"]
            return params.page, params.page_size, params.item_count

    fast = PagingParser()
    parsed(fast)  # the first parse learns the schema's bounds
    assert parsed(fast) == parsed(FlaskParser())


def test_a_bad_page_size_is_still_the_apis_422(api, user):
    refused = api.get("/api/v1/habits?page_size=101", user)
    assert refused.status_code == 422 and "page_size" in refused.json["errors"]["query"]
    assert api.get("/api/v1/habits?page=" + "9" * 5000, user).status_code == 422
