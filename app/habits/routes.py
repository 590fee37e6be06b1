"""Atomic Habits tracker endpoints: parse, call a service, commit once (the service schedules the reminder)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_jwt_extended import jwt_required
from sqlalchemy import Select

from app.auth.current import current_user, token_owner
from app.auth.models import User
from app.common.blueprint import Blueprint
from app.common.json import RowsResponse
from app.common.pagination import paginate
from app.common.session import reads_without_transaction
from app.errors import ValidationFailed
from app.extensions import db
from app.habits import schemas, services, streaks

blp = Blueprint("habits", __name__, url_prefix="/api/v1/habits", description="Atomic Habits tracker")
HABIT_ROWS = RowsResponse(schemas.HabitSchema, own_format=("time",))  # my habits render their rows directly
READ_ONLY = "Another user's public habit is read-only"


def _one(habit):
    return streaks.attach_streaks([habit])[0]


def _day(raw: str) -> date:
    """A {date} path segment: YYYY-MM-DD, or a 422 naming the field."""
    try:
        if len(raw) == 10:  # fromisoformat alone would also take 20260101 and other ISO forms
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise ValidationFailed({"date": ["Not a valid date: use YYYY-MM-DD."]})


@blp.route("")
class HabitViews(MethodView):
    @reads_without_transaction
    @jwt_required()
    @blp.response(200, schemas.HabitSchema(many=True))
    @blp.paginate(page_size=5)
    def get(self, pagination_parameters):
        """List my habits"""
        return HABIT_ROWS(services.own_habit_rows(token_owner(), pagination_parameters))

    @jwt_required()
    @blp.arguments(schemas.HabitWriteSchema)
    @blp.response(201, schemas.HabitSchema)
    @blp.alt_response(422, description="A habit rule is broken (the offending fields are named)")
    def post(self, data):
        """Create a habit"""
        habit = services.create_habit(current_user, data)
        db.session.commit()
        return _one(habit)


@blp.route("/public")
class PublicHabitViews(MethodView):
    @jwt_required()
    @blp.response(200, schemas.HabitSchema(many=True))
    @blp.paginate(page_size=5)
    def get(self, pagination_parameters):
        """List everybody's public habits (read-only)"""
        page = paginate(services.public_habits_stmt(), pagination_parameters)
        return streaks.attach_streaks(page)


@blp.route("/<int:habit_id>")
class HabitByIdViews(MethodView):
    @jwt_required()
    @blp.response(200, schemas.HabitSchema)
    @blp.alt_response(404, description="No such habit, or a private habit of another user")
    def get(self, habit_id):
        """Get a habit (mine, or anybody's public one)"""
        return _one(services.get_habit(current_user, habit_id))

    @jwt_required()
    @blp.arguments(schemas.HabitWriteSchema)
    @blp.response(200, schemas.HabitSchema)
    @blp.alt_response(403, description=READ_ONLY)
    def put(self, data, habit_id):
        """Replace a habit"""
        habit = services.replace_habit(current_user, habit_id, data)
        db.session.commit()
        return _one(habit)

    @jwt_required()
    @blp.arguments(schemas.HabitUpdateSchema(partial=True))
    @blp.response(200, schemas.HabitSchema)
    @blp.alt_response(403, description=READ_ONLY)
    def patch(self, data, habit_id):
        """Change some fields of a habit (the result is checked as a whole)"""
        habit = services.update_habit(current_user, habit_id, data)
        db.session.commit()
        return _one(habit)

    @jwt_required()
    @blp.response(204)
    @blp.alt_response(403, description=READ_ONLY)
    def delete(self, habit_id):
        """Delete a habit (habits linking to it are unlinked)"""
        services.delete_habit(current_user, habit_id)
        db.session.commit()


def _summary(text: str) -> Callable:
    """The OpenAPI summary of a view `_route_day_log` writes once for several paths (flask-smorest reads
    the docstring)."""

    def set_doc(view: Callable) -> Callable:
        view.__doc__ = text
        return view

    return set_doc


def _route_day_log(
    path: str,
    endpoint: str,
    *,
    schema: type[ma.Schema],
    create_schema: type[ma.Schema],
    entries_stmt: Callable[[User, int], Select],
    log: Callable[[User, int, date | None], tuple[Any, bool]],
    remove: Callable[[User, int, date], None],
    list_summary: str,
    log_summary: str,
    remove_summary: str,
    already: str,
    conflict: str,
    out_of_range: str,
) -> None:
    """The list/log/remove endpoints of a kind of logged day (completions, skips), written once: the rules that
    differ (how far ahead, which other state conflicts) live in the service functions. `already`, `conflict`
    and `out_of_range` describe the 200 of a repeated log, the 409 (the day is in the other state) and the
    422 of a date the rule refuses. Endpoint names stay CompletionViews, CompletionByDateView and so on."""

    class Entries(MethodView):
        @jwt_required()
        @blp.response(200, schema(many=True))
        @blp.paginate()
        @_summary(list_summary)
        def get(self, habit_id, pagination_parameters):
            return paginate(entries_stmt(current_user, habit_id), pagination_parameters)

        @jwt_required()
        @blp.arguments(create_schema)
        @blp.response(201, schema)
        @blp.alt_response(200, schema=schema, description=already)
        @blp.alt_response(403, description=READ_ONLY)
        @blp.alt_response(409, description=conflict)
        @blp.alt_response(422, description=out_of_range)
        @_summary(log_summary)
        def post(self, data, habit_id):
            entry, created = log(current_user, habit_id, data.get("date"))
            db.session.commit()
            return entry, 201 if created else 200

    class EntryByDate(MethodView):
        @jwt_required()
        @blp.response(204)
        @blp.alt_response(403, description=READ_ONLY)
        @blp.alt_response(422, description="Not a date")
        @_summary(remove_summary)
        def delete(self, habit_id, day):
            remove(current_user, habit_id, _day(day))
            db.session.commit()

    blp.route(f"/<int:habit_id>/{path}", endpoint=f"{endpoint}Views")(Entries)
    blp.route(f"/<int:habit_id>/{path}/<string(maxlength=10):day>", endpoint=f"{endpoint}ByDateView")(EntryByDate)


_route_day_log(
    path="completions",
    endpoint="Completion",
    schema=schemas.CompletionSchema,
    create_schema=schemas.CompletionCreateSchema,
    entries_stmt=services.completions_stmt,
    log=services.log_completion,
    remove=services.undo_completion,
    list_summary="History of a habit's completions, newest first",
    log_summary="Log that I did the habit on a day (today in my time zone by default; idempotent per day)",
    remove_summary="Undo a day's completion (nothing logged that day is fine too)",
    already="That day was already logged",
    conflict="That day is skipped",
    out_of_range="A future date",
)
_route_day_log(
    path="skips",
    endpoint="Skip",
    schema=schemas.SkipSchema,
    create_schema=schemas.SkipCreateSchema,
    entries_stmt=services.skips_stmt,
    log=services.skip_day,
    remove=services.unskip_day,
    list_summary="The days a habit was skipped, newest first",
    log_summary="Skip a day on purpose (today in my time zone by default): it keeps the streak",
    remove_summary="Take a skip back (nothing skipped that day is fine too)",
    already="That day was already skipped",
    conflict="That day is done",
    out_of_range=f"More than {services.SKIP_AHEAD_DAYS} days ahead",
)


@blp.route("/<int:habit_id>/stats")
class StatsView(MethodView):
    @jwt_required()
    @blp.arguments(schemas.StatsQuerySchema, location="query")
    @blp.response(200, schemas.StatsSchema)
    @blp.alt_response(404, description="No such habit, or a private habit of another user")
    def get(self, args, habit_id):
        """Streaks, counts by state and the day-by-day history of the last `days` days (for a heat map)"""
        return streaks.habit_stats(services.get_habit(current_user, habit_id), args["days"])
