"""Shapes of the auth endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate, validates_schema

from app.common.schemas import BaseSchema, Text, validate_timezone

USERNAME_RE = r"^[\w.@+-]+\Z"  # Django's username characters


class TelegramStatusSchema(ma.Schema):
    linked = fields.Boolean()
    username = fields.String(allow_none=True)


class FeedStatusSchema(ma.Schema):
    active = fields.Boolean()


class UserSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String()
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    timezone = fields.String(metadata={"description": "IANA time zone name"})
    telegram = fields.Nested(TelegramStatusSchema)
    calendar_feed = fields.Nested(
        FeedStatusSchema,
        metadata={"description": "Whether a calendar feed URL is active (added by `services.profile`)"},
    )
    date_joined = fields.DateTime()


class SignupSchema(BaseSchema):
    username = Text(
        150, required=True, validate=validate.Regexp(USERNAME_RE, error="Letters, digits and @/./+/-/_ only.")
    )
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    password_repeat = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    email = fields.Email(load_default="", validate=validate.Length(max=254))
    first_name = Text(150, load_default="", allow_blank=True)
    last_name = Text(150, load_default="", allow_blank=True)

    @validates_schema
    def passwords_match(self, data, **kwargs):
        if data.get("password") != data.get("password_repeat"):
            raise ma.ValidationError("Passwords do not match.", "password_repeat")


class LoginSchema(BaseSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=150))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class TokenPairSchema(ma.Schema):
    access_token = fields.String()
    refresh_token = fields.String()


class LoginResultSchema(TokenPairSchema):
    user = fields.Nested(UserSchema)


class LogoutSchema(BaseSchema):
    refresh_token = fields.String(validate=validate.Length(max=4096))


class ProfileUpdateSchema(BaseSchema):
    email = fields.Email(validate=validate.Length(max=254))
    first_name = Text(150, allow_blank=True)
    last_name = Text(150, allow_blank=True)
    timezone = fields.String(validate=[validate.Length(max=64), validate_timezone])


class PasswordChangeSchema(BaseSchema):
    old_password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
