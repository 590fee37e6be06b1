"""Shapes of the calendar feed endpoints."""

import marshmallow as ma
from marshmallow import fields, validate

from app.common.schemas import QuerySchema

SOURCES = ("goals", "tasks", "habits")


class FeedUrlSchema(ma.Schema):
    url = fields.String(metadata={"description": "Private subscription URL; treat it like a password"})


class CommaList(fields.String):
    """`goals,tasks` → ["goals", "tasks"]."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        return [part.strip() for part in raw.split(",") if part.strip()]


class FeedQuerySchema(QuerySchema):
    # No length validator: any token that is not a live one is simply unknown (404), never a 422 hint.
    # The documented bound is what a real token fits in; longer ones are unknown tokens (404) like any other.
    token = fields.String(
        load_default=None,
        metadata={"description": "The feed token from the subscription URL (the credential)", "maxLength": 256},
    )
    include = CommaList(
        load_default=list(SOURCES),
        validate=[validate.ContainsOnly(SOURCES), validate.Length(min=1)],
        metadata={"description": "Comma-separated subset of goals,tasks,habits (default: all)"},
    )
