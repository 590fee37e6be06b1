"""Auth endpoints: parse, call a service, commit once, serialize."""

from __future__ import annotations

import uuid

from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import (
    decode_token,
    get_jwt,
    get_jwt_request_location,
    jwt_required,
)
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError

from app.auth import cookies, schemas, services
from app.auth.current import current_user, token_owner
from app.auth.tokens import current_session_id
from app.common.blueprint import Blueprint
from app.common.json import RowsResponse
from app.common.ratelimit import client_ip
from app.common.session import reads_without_transaction
from app.extensions import db, limiter

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts, tokens and the profile")


PROFILE = RowsResponse(schemas.UserSchema)  # GET /me renders the profile without a schema dump (every page asks)
_COOKIE_MODE = (
    "With the header `X-Kalendar-Client: web` (Kalendar's web client, same origin only) the refresh token is "
    "not in the body but set as the HttpOnly, SameSite=Strict cookie `kalendar_refresh` on `/api/v1/auth`."
)


def _limit(name: str):
    return lambda: current_app.config[name]


@blp.route("/signup")
class SignupView(MethodView):
    decorators = [limiter.limit(_limit("RATELIMIT_SIGNUP"), key_func=client_ip)]

    @blp.doc(security=[])
    @blp.arguments(schemas.SignupSchema)
    @blp.response(201, schemas.UserSchema)
    @blp.alt_response(409, description="The username is taken")
    def post(self, data):
        """Create an account"""
        user = services.signup(data)
        db.session.commit()
        return services.profile(user)


@blp.route("/login")
class LoginView(MethodView):
    # Limits: app.auth.throttle (per username and address, per address, a soft per-username ceiling).
    @blp.doc(security=[], description=_COOKIE_MODE)
    @blp.arguments(schemas.LoginSchema)
    @blp.response(200, schemas.LoginResultSchema)
    @blp.alt_response(401, description="Invalid username or password")
    @blp.alt_response(403, description="Cookie mode from another origin")
    @blp.alt_response(429, description="Too many failed attempts")
    def post(self, data):
        """Log in with username and password"""
        if cookies.is_web_client():
            cookies.require_same_origin()  # no login CSRF into someone else's account
        user, tokens = services.login(data["username"], data["password"], client_ip(), request.user_agent.string)
        db.session.commit()
        return {**cookies.hand_over(tokens), "user": services.profile(user)}


@blp.route("/refresh")
class RefreshView(MethodView):
    @blp.doc(
        security=[{"bearerAuth": []}, {"refreshCookie": []}],
        description="Send the refresh token as the Bearer token, or (web client) let the browser send the "
        "`kalendar_refresh` cookie with `X-Kalendar-Client: web` from this service's origin. " + _COOKIE_MODE,
    )
    @jwt_required(refresh=True, locations=["headers", "cookies"])
    @blp.response(200, schemas.TokenPairSchema)
    @blp.alt_response(403, description="The cookie came without the client header or from another origin")
    def post(self):
        """Trade a refresh token for a new pair (the used refresh token is revoked)"""
        if get_jwt_request_location() == "cookies":
            cookies.require_same_origin()
        claims = get_jwt()
        tokens = services.rotate_refresh(current_user, uuid.UUID(claims["sid"]), claims["jti"])
        db.session.commit()
        return cookies.hand_over(tokens)


@blp.route("/logout")
class LogoutView(MethodView):
    @blp.doc(description="The web client's refresh cookie, when sent, is revoked too and cleared.")
    @jwt_required()
    @blp.arguments(schemas.LogoutSchema, required=False)
    @blp.response(204)
    def post(self, data):
        """Revoke the access token and its refresh token"""
        other = None
        refresh_token = (data or {}).get("refresh_token") or cookies.cookie_refresh_token()
        if cookies.cookie_refresh_token():
            cookies.clear_cookie_after_request()
        if refresh_token:
            try:
                claims = decode_token(refresh_token, allow_expired=True)
                if claims.get("sub") == str(current_user.id):
                    other = uuid.UUID(str(claims.get("sid")))
            except (JWTExtendedException, PyJWTError, ValueError):
                other = None  # a garbage refresh token cannot be revoked, and cannot be used either
        services.logout(current_user, current_session_id(), other)
        db.session.commit()


@blp.route("/me")
class MeView(MethodView):
    @reads_without_transaction
    @jwt_required()
    @blp.response(200, schemas.UserSchema)
    def get(self):
        """My profile"""
        # The owner's columns (no ORM instance: app/auth/current.py), not through the proxy for each field.
        return PROFILE.one(services.profile(token_owner()).fields(PROFILE.fields))

    @jwt_required()
    @blp.arguments(schemas.ProfileUpdateSchema)
    @blp.response(200, schemas.UserSchema)
    def patch(self, data):
        """Update my profile"""
        user = services.update_profile(current_user, data)
        db.session.commit()
        return services.profile(user)


@blp.route("/me/password")
class PasswordView(MethodView):
    @jwt_required()
    @blp.arguments(schemas.PasswordChangeSchema)
    @blp.response(204)
    @blp.alt_response(429, description="Too many wrong current passwords")
    def put(self, data):
        """Change my password; every other session is logged out"""
        services.change_password(
            current_user, current_session_id(), data["old_password"], data["new_password"], client_ip()
        )
        db.session.commit()
