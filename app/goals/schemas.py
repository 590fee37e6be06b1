"""Shapes of the goal planner endpoints (input is strict: unknown fields are a 422)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate, validates_schema

from app.common.schemas import BaseSchema, QuerySchema, Text
from app.goals.models import COMMENT_MAX, DESCRIPTION_MAX, PRIORITIES, ROLES, STATUSES, TITLE_MAX

#: "overdue" is the job's verdict, not something a client sets.
WRITABLE_STATUSES = ("todo", "in_progress", "done", "archived")
ORDERINGS = ("due_date", "-due_date", "priority", "-priority", "created_at", "-created_at", "title")
DEFAULT_ORDERING = "-created_at"
EXPORT_FORMATS = ("csv", "json")


def _id(*, strict: bool = True, **kwargs) -> fields.Integer:
    """A positive int32 id; strict in JSON bodies ("5" is not an id), lenient in query strings."""
    return fields.Integer(strict=strict, validate=validate.Range(min=1, max=2**31 - 1), **kwargs)


def _check_dates(data: dict) -> None:
    start, due = data.get("start_date"), data.get("due_date")
    if start is not None and due is not None and start > due:
        raise ma.ValidationError("start_date must not be after due_date.", "start_date")


# --- boards ---------------------------------------------------------------------------------------


class BoardSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String()
    my_role = fields.String(metadata={"description": "Your role on this board", "enum": list(ROLES)})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class BoardWriteSchema(BaseSchema):
    title = Text(TITLE_MAX, required=True)


class ParticipantSchema(ma.Schema):
    user_id = fields.Integer()
    username = fields.Function(lambda p: p.user.username)
    role = fields.String(metadata={"enum": list(ROLES)})
    created_at = fields.DateTime()


class ParticipantCreateSchema(BaseSchema):
    username = Text(150, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class ParticipantUpdateSchema(BaseSchema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


# --- categories -----------------------------------------------------------------------------------


class CategorySchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String()
    board_id = fields.Integer()
    author_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CategoryCreateSchema(BaseSchema):
    title = Text(TITLE_MAX, required=True)
    board_id = _id(required=True)


class CategoryUpdateSchema(BaseSchema):
    title = Text(TITLE_MAX, required=True)


class CategoryQuerySchema(QuerySchema):
    board = _id(strict=False, metadata={"description": "Only categories of this board"})


# --- goals ----------------------------------------------------------------------------------------


class GoalSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String()
    description = fields.String()
    category_id = fields.Integer()
    board_id = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    priority = fields.String(metadata={"enum": list(PRIORITIES)})
    start_date = fields.Date(allow_none=True)
    due_date = fields.Date(allow_none=True)
    days_left = fields.Integer(
        allow_none=True,
        metadata={"description": "Whole days from today in your time zone to due_date (negative when past)"},
    )
    author_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class GoalUpdateSchema(BaseSchema):
    title = Text(TITLE_MAX)
    description = Text(DESCRIPTION_MAX, allow_blank=True)
    category_id = _id(metadata={"description": "Moving to another board needs writer there too"})
    status = fields.String(
        validate=validate.OneOf(WRITABLE_STATUSES), metadata={"description": "overdue is set by the system"}
    )
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    start_date = fields.Date(allow_none=True)
    due_date = fields.Date(allow_none=True)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        _check_dates(data)


class GoalCreateSchema(GoalUpdateSchema):
    title = Text(TITLE_MAX, required=True)
    description = Text(DESCRIPTION_MAX, allow_blank=True, load_default="")
    category_id = _id(required=True)
    status = fields.String(load_default="todo", validate=validate.OneOf(WRITABLE_STATUSES))
    priority = fields.String(load_default="medium", validate=validate.OneOf(PRIORITIES))


class GoalQuerySchema(QuerySchema):
    remember_loads = True  # app/common/blueprint.py: the same filters are loaded once per process

    search = fields.String(
        validate=validate.Length(max=TITLE_MAX), metadata={"description": "Case-insensitive substring of the title"}
    )
    status = fields.List(
        fields.String(validate=validate.OneOf(STATUSES)),
        validate=validate.Length(max=20),
        metadata={"description": "Repeatable; archived goals only when asked for"},
    )
    category = fields.List(
        _id(strict=False), validate=validate.Length(max=100), metadata={"description": "Repeatable category id"}
    )
    priority = fields.List(
        fields.String(validate=validate.OneOf(PRIORITIES)),
        validate=validate.Length(max=20),
        metadata={"description": "Repeatable"},
    )
    year = fields.Integer(validate=validate.Range(min=1, max=9998), metadata={"description": "Year of due_date"})
    board = _id(strict=False)
    due_from = fields.Date(metadata={"description": "due_date on or after"})
    due_to = fields.Date(metadata={"description": "due_date on or before"})
    ordering = fields.String(load_default=DEFAULT_ORDERING, validate=validate.OneOf(ORDERINGS))

    @validates_schema
    def range_in_order(self, data, **kwargs):
        if data.get("due_from") and data.get("due_to") and data["due_from"] > data["due_to"]:
            raise ma.ValidationError("due_from must not be after due_to.", "due_from")


class GoalExportQuerySchema(GoalQuerySchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(EXPORT_FORMATS))


# --- comments -------------------------------------------------------------------------------------


class CommentSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    goal_id = fields.Integer()
    author_id = fields.Integer(allow_none=True)
    author_username = fields.String(allow_none=True)
    text = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CommentWriteSchema(BaseSchema):
    text = Text(COMMENT_MAX, required=True)
