"""Atomic Habits tracker endpoints: parse, call a service, commit once (the service schedules the reminder)."""

from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_jwt_extended import current_user, jwt_required

from app.common.blueprint import Blueprint
from app.common.json import RowsResponse
from app.common.pagination import paginate
from app.errors import ValidationFailed
from app.extensions import db
from app.habits import schemas, services, streaks

blp = Blueprint("habits", __name__, url_prefix="/api/v1/habits", description="Atomic Habits tracker")
HABIT_ROWS = RowsResponse(schemas.HabitSchema, own_format=("time",))  # my habits render their rows directly


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
    @jwt_required()
    @blp.response(200, schemas.HabitSchema(many=True))
    @blp.paginate(page_size=5)
    def get(self, pagination_parameters):
        """List my habits"""
        rows = paginate(services.own_habit_rows_stmt(current_user), pagination_parameters, mappings=True)
        return HABIT_ROWS(streaks.attach_streaks_to_rows(rows, current_user.timezone))

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
    @blp.alt_response(403, description="Another user's public habit is read-only")
    def put(self, data, habit_id):
        """Replace a habit"""
        habit = services.replace_habit(current_user, habit_id, data)
        db.session.commit()
        return _one(habit)

    @jwt_required()
    @blp.arguments(schemas.HabitUpdateSchema(partial=True))
    @blp.response(200, schemas.HabitSchema)
    @blp.alt_response(403, description="Another user's public habit is read-only")
    def patch(self, data, habit_id):
        """Change some fields of a habit (the result is checked as a whole)"""
        habit = services.update_habit(current_user, habit_id, data)
        db.session.commit()
        return _one(habit)

    @jwt_required()
    @blp.response(204)
    @blp.alt_response(403, description="Another user's public habit is read-only")
    def delete(self, habit_id):
        """Delete a habit (habits linking to it are unlinked)"""
        services.delete_habit(current_user, habit_id)
        db.session.commit()


@blp.route("/<int:habit_id>/completions")
class CompletionViews(MethodView):
    @jwt_required()
    @blp.response(200, schemas.CompletionSchema(many=True))
    @blp.paginate()
    def get(self, habit_id, pagination_parameters):
        """History of a habit's completions, newest first"""
        return paginate(services.completions_stmt(current_user, habit_id), pagination_parameters)

    @jwt_required()
    @blp.arguments(schemas.CompletionCreateSchema)
    @blp.response(201, schemas.CompletionSchema)
    @blp.alt_response(200, schema=schemas.CompletionSchema, description="That day was already logged")
    @blp.alt_response(409, description="That day is skipped")
    @blp.alt_response(422, description="A future date")
    def post(self, data, habit_id):
        """Log that I did the habit on a day (today in my time zone by default; idempotent per day)"""
        completion, created = services.log_completion(current_user, habit_id, data.get("date"))
        db.session.commit()
        return completion, 201 if created else 200


@blp.route("/<int:habit_id>/completions/<string(maxlength=10):day>")
class CompletionByDateView(MethodView):
    @jwt_required()
    @blp.response(204)
    @blp.alt_response(403, description="Another user's public habit is read-only")
    @blp.alt_response(422, description="Not a date")
    def delete(self, habit_id, day):
        """Undo a day's completion (nothing logged that day is fine too)"""
        services.undo_completion(current_user, habit_id, _day(day))
        db.session.commit()


@blp.route("/<int:habit_id>/skips")
class SkipViews(MethodView):
    @jwt_required()
    @blp.response(200, schemas.SkipSchema(many=True))
    @blp.paginate()
    def get(self, habit_id, pagination_parameters):
        """The days a habit was skipped, newest first"""
        return paginate(services.skips_stmt(current_user, habit_id), pagination_parameters)

    @jwt_required()
    @blp.arguments(schemas.SkipCreateSchema)
    @blp.response(201, schemas.SkipSchema)
    @blp.alt_response(200, schema=schemas.SkipSchema, description="That day was already skipped")
    @blp.alt_response(403, description="Another user's public habit is read-only")
    @blp.alt_response(409, description="That day is done")
    def post(self, data, habit_id):
        """Skip a day on purpose (today in my time zone by default): it keeps the streak"""
        skip, created = services.skip_day(current_user, habit_id, data.get("date"))
        db.session.commit()
        return skip, 201 if created else 200


@blp.route("/<int:habit_id>/skips/<string(maxlength=10):day>")
class SkipByDateView(MethodView):
    @jwt_required()
    @blp.response(204)
    @blp.alt_response(403, description="Another user's public habit is read-only")
    @blp.alt_response(422, description="Not a date")
    def delete(self, habit_id, day):
        """Take a skip back (nothing skipped that day is fine too)"""
        services.unskip_day(current_user, habit_id, _day(day))
        db.session.commit()


@blp.route("/<int:habit_id>/stats")
class StatsView(MethodView):
    @jwt_required()
    @blp.arguments(schemas.StatsQuerySchema, location="query")
    @blp.response(200, schemas.StatsSchema)
    @blp.alt_response(404, description="No such habit, or a private habit of another user")
    def get(self, args, habit_id):
        """Streaks, counts by state and the day-by-day history of the last `days` days (for a heat map)"""
        return streaks.habit_stats(services.get_habit(current_user, habit_id), args["days"])
