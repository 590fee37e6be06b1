"""Input and output shapes of teams, members, task lists and tasks."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.common.schemas import BaseSchema, QuerySchema, Text
from app.teams.models import MEMBER, ROLES


class AwareDateTime(ma.fields.AwareDateTime):
    """ISO 8601 with an offset; naive input is refused (we never guess a time zone)."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)


class TeamSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    description = ma.fields.String()
    my_role = ma.fields.String(metadata={"description": "Your role in the team: admin or member"})
    created_at = ma.fields.AwareDateTime(format="iso")


class TeamCreateSchema(BaseSchema):
    name = Text(150, required=True)
    description = Text(2000, allow_blank=True, load_default="")


class TeamUpdateSchema(BaseSchema):
    name = Text(150)
    description = Text(2000, allow_blank=True)


class MemberSchema(ma.Schema):
    user_id = ma.fields.Integer()
    username = ma.fields.String()
    role = ma.fields.String()
    joined_at = ma.fields.AwareDateTime(format="iso")


class MemberCreateSchema(BaseSchema):
    username = Text(150, required=True)
    role = ma.fields.String(load_default=MEMBER, validate=validate.OneOf(ROLES))


class MemberUpdateSchema(BaseSchema):
    role = ma.fields.String(required=True, validate=validate.OneOf(ROLES))


class TaskListSchema(ma.Schema):
    id = ma.fields.Integer()
    team_id = ma.fields.Integer()
    name = ma.fields.String()
    created_by = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime(format="iso")


class TaskListWriteSchema(BaseSchema):
    name = Text(150, required=True)


class TaskSchema(ma.Schema):
    id = ma.fields.Integer()
    list_id = ma.fields.Integer()
    team_id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    assignee_id = ma.fields.Integer(allow_none=True)
    deadline = ma.fields.AwareDateTime(format="iso", allow_none=True)
    is_done = ma.fields.Boolean()
    done_at = ma.fields.AwareDateTime(format="iso", allow_none=True)
    is_overdue = ma.fields.Boolean()
    created_by = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime(format="iso")
    updated_at = ma.fields.AwareDateTime(format="iso")


class TaskCreateSchema(BaseSchema):
    title = Text(200, required=True)
    description = Text(5000, allow_blank=True, load_default="")
    assignee_id = ma.fields.Integer(allow_none=True, load_default=None, strict=True)
    deadline = AwareDateTime(allow_none=True, load_default=None)


class TaskUpdateSchema(BaseSchema):
    title = Text(200)
    description = Text(5000, allow_blank=True)
    assignee_id = ma.fields.Integer(allow_none=True, strict=True)
    deadline = AwareDateTime(allow_none=True)
    list_id = ma.fields.Integer(strict=True, metadata={"description": "Move to another list of the same team"})


class TaskQuerySchema(QuerySchema):
    assignee = ma.fields.String(
        validate=[validate.Length(max=10), validate.Regexp(r"^(me|[1-9][0-9]{0,9})$", error="Use 'me' or a user id.")],
        metadata={"description": "'me' or a user id"},
    )
    done = ma.fields.Boolean()
    overdue = ma.fields.Boolean()
    team = ma.fields.Integer(validate=validate.Range(min=1))
