"""Shapes of the Telegram linking endpoints."""

import marshmallow as ma
from marshmallow import fields, validate

from app.common.schemas import BaseSchema


class VerifySchema(BaseSchema):
    verification_code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=16),
        metadata={"description": "The 6-digit code the bot sent to your Telegram chat"},
    )


class BotStatusSchema(ma.Schema):
    linked = fields.Boolean()
    telegram_username = fields.String(allow_none=True)


class LinkTokenSchema(ma.Schema):
    class Meta:
        ordered = True

    url = fields.String(metadata={"description": "https://t.me/<bot>?start=<token>: opens the bot and links the chat"})
    expires_at = fields.AwareDateTime(metadata={"description": "The link works once, until then (10 minutes)"})
