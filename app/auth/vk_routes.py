"""Sign in with VK: start the flow, come back from VK, or link VK to the signed-in account."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import after_this_request, current_app, redirect, request, url_for
from flask.views import MethodView
from flask_jwt_extended import jwt_required
from marshmallow import fields, validate

from app.auth import cookies, services, vk
from app.auth.current import current_user
from app.auth.schemas import LoginResultSchema
from app.common.blueprint import Blueprint
from app.common.origins import is_own_origin, origin_of
from app.common.ratelimit import client_ip
from app.common.schemas import BaseSchema, QuerySchema
from app.errors import Conflict, DomainError
from app.extensions import db, limiter

blp = Blueprint("auth_vk", __name__, url_prefix="/api/v1/auth/vk", description="Sign in with VK (OAuth 2.0)")

_ERROR_CODE = re.compile(r"^[a-z_]{1,64}$")
_NEXT_DOC = (
    "Where the web app wants to land afterwards; on FRONTEND_URL's origin (default: FRONTEND_URL), or on this "
    "service's own origin (its web client: the session then comes back as the refresh cookie, no token in the URL)."
)


class LoginQuerySchema(QuerySchema):
    next = fields.String(validate=validate.Length(max=2048), metadata={"description": _NEXT_DOC})
    ticket = fields.String(
        validate=validate.Length(max=128),
        metadata={"description": "A one-time ticket from `POST /auth/vk/link`: link VK to that account"},
    )


class CallbackQuerySchema(QuerySchema):
    code = fields.String(validate=validate.Length(max=512))
    state = fields.String(validate=validate.Length(max=512))
    error = fields.String(validate=validate.Length(max=256))
    error_description = fields.String(validate=validate.Length(max=1024))


class LinkSchema(BaseSchema):
    next = fields.String(validate=validate.Length(max=2048), metadata={"description": _NEXT_DOC})


class VkStatusSchema(BaseSchema):
    enabled = fields.Boolean(metadata={"description": "Whether this server is configured for signing in with VK"})


class AuthorizeUrlSchema(BaseSchema):
    url = fields.String(metadata={"description": "Open this URL in the browser to continue at VK"})


def _redirect_uri() -> str:
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public.rstrip("/") + url_for("auth_vk.callback")
    return url_for("auth_vk.callback", _external=True)


def _to_frontend(next_url: str, fragment: dict[str, str]):
    response = redirect(f"{next_url}#{urlencode(fragment)}", code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


def _next_url(raw: str | None, location: str = "query") -> str:
    """A safe `next`: on the external SPA's origin, or on our own (the built-in web client)."""
    frontend = raw if raw and is_own_origin(origin_of(raw)) else current_app.config["FRONTEND_URL"]
    return vk.safe_next_url(raw, frontend, location=location)


def _to_web_client(next_url: str, refresh_token: str):
    """Back to the built-in client with the session in the HttpOnly cookie: nothing secret in the URL."""
    cookies.set_cookie_after_request(refresh_token)
    response = redirect(next_url, code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


STATE_COOKIE = "kalendar_vk_state"
LINK_COOKIE = "kalendar_vk_link"  # binds a link ticket to the client that asked for it
STATE_COOKIE_PATH = "/api/v1/auth/vk"


def _secure() -> bool:
    return request.is_secure or current_app.config.get("PUBLIC_URL", "").startswith("https://")


def _to_vk(authorize_url: str, browser: str):
    """To VK's consent page, binding the flow to this browser (SameSite=Lax: sent back on VK's redirect)."""
    response = redirect(authorize_url, code=302)
    response.headers["Cache-Control"] = "no-store"
    _bind_to_browser(response, STATE_COOKIE, browser, vk.STATE_TTL)
    return response


def _bind_to_browser(response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=STATE_COOKIE_PATH, secure=_secure(), httponly=True, samesite="Lax"
    )


def _forget_cookie_after_request(name: str) -> None:
    secure = _secure()

    @after_this_request
    def _clear(response):
        response.delete_cookie(name, path=STATE_COOKIE_PATH, secure=secure, httponly=True, samesite="Lax")
        return response


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


@blp.route("/status", endpoint="status")
class VkStatusView(MethodView):
    @blp.doc(security=[])
    @blp.response(200, VkStatusSchema)
    def get(self):
        """Whether signing in with VK is available here (clients show the button only then)"""
        cfg = current_app.config
        return {"enabled": bool(cfg.get("VK_CLIENT_ID") and cfg.get("VK_CLIENT_SECRET"))}


@blp.route("/login", endpoint="login")
class VkLoginView(MethodView):
    # Every call writes a state to Redis: bounded per client address.
    decorators = [limiter.limit(lambda: current_app.config["RATELIMIT_VK_LOGIN"], key_func=client_ip)]

    @blp.doc(security=[])
    @blp.arguments(LoginQuerySchema, location="query")
    @blp.response(302, description="Redirect to VK's authorize page (with state and a PKCE S256 challenge)")
    @blp.alt_response(400, description="`next` is not on the web app's origin, or the ticket is not valid")
    @blp.alt_response(429, description="Too many sign-ins started from this address")
    def get(self, args):
        """Start signing in with VK (or, with a ticket, linking VK to an account) in this browser"""
        link_user_id = None
        if "ticket" in args:
            ticket = vk.pop_link_ticket(args["ticket"], request.cookies.get(LINK_COOKIE))
            _forget_cookie_after_request(LINK_COOKIE)
            if ticket is None:
                raise vk.VkAuthError(
                    "The link ticket is unknown, expired, already used or from another browser.", "invalid_ticket"
                )
            link_user_id, next_url = ticket["user_id"], ticket["next"]
        else:
            next_url = _next_url(args.get("next"))
        return _to_vk(*vk.begin_login(next_url, _redirect_uri(), link_user_id=link_user_id))


@blp.route("/callback", endpoint="callback")
class VkCallbackView(MethodView):
    @blp.doc(
        security=[],
        description=(
            "VK sends the browser here. With `Accept: application/json` the answer is the login JSON (errors in the "
            "envelope); otherwise a 302 to `next` with `#access_token=..&refresh_token=..` or `#error=..` in the "
            "fragment — or, when `next` is on this service's own origin (its web client), a 302 to `next` that sets "
            "the `kalendar_refresh` cookie, with no token in the URL. An unknown, expired or already used `state` is "
            "always a 400 envelope."
        ),
    )
    @blp.arguments(CallbackQuerySchema, location="query")
    @blp.response(200, LoginResultSchema, description="Signed in (JSON mode)")
    @blp.alt_response(302, description="Redirect mode: back to the web app with tokens or an error in the fragment")
    @blp.alt_response(400, description="Bad or replayed state, denied consent, or a bad code")
    @blp.alt_response(401, description="The account is disabled")
    @blp.alt_response(409, description="This VK account is linked to another user")
    @blp.alt_response(502, description="VK failed or timed out")
    def get(self, args):
        """Finish signing in with VK: find, create or link the user and issue our tokens"""
        state_data = vk.pop_state(args.get("state"))
        _forget_cookie_after_request(STATE_COOKIE)  # the flow is over (the state is spent) whatever happens next
        if state_data is None or not vk.same_browser(state_data, request.cookies.get(STATE_COOKIE)):
            # Unknown, used, or started in another browser (a callback URL sent to a victim): nobody signs in.
            raise vk.VkAuthError(
                "The sign-in state is unknown, expired, used or from another browser.", "invalid_state"
            )
        try:
            if args.get("error"):
                error = args["error"] if _ERROR_CODE.match(args["error"]) else "vk_error"
                message = "VK sign-in was cancelled." if error == "access_denied" else "VK refused the sign-in."
                raise vk.VkAuthError(message, error)
            identity = vk.fetch_identity(args.get("code") or "", state_data)
            user = vk.sign_in_with_vk(identity, state_data.get("link_user_id"))
            tokens = services.start_session(user, request.user_agent.string)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            if _wants_json():
                raise
            code = getattr(exc, "error", None) or {409: "conflict", 401: "unauthorized"}.get(exc.code, "error")
            return _to_frontend(state_data["next"], {"error": code, "error_description": exc.message})
        if _wants_json():
            return {**tokens, "user": services.profile(user)}, 200, {"Cache-Control": "no-store"}
        if is_own_origin(origin_of(state_data["next"])):
            return _to_web_client(state_data["next"], tokens["refresh_token"])
        return _to_frontend(state_data["next"], tokens)


@blp.route("/link", endpoint="link")
class VkLinkView(MethodView):
    @jwt_required()
    @blp.arguments(LinkSchema, required=False)
    @blp.response(200, AuthorizeUrlSchema)
    @blp.alt_response(400, description="`next` is not on the web app's origin")
    @blp.alt_response(409, description="My account already has a VK account linked")
    def post(self, data):
        """Start linking VK to my account: open the returned one-time URL (2 minutes) at once, in the same browser

        The answer sets a cookie that the URL needs: opened in any other browser, the ticket is refused.
        """
        if vk.vk_linked(current_user):
            raise Conflict("Your account is already linked to a VK account.")
        next_url = _next_url((data or {}).get("next"), location="json")
        ticket, browser = vk.issue_link_ticket(current_user.id, next_url)

        @after_this_request
        def _bind(response):
            _bind_to_browser(response, LINK_COOKIE, browser, vk.TICKET_TTL)
            return response

        public = current_app.config.get("PUBLIC_URL")
        if public:
            return {"url": public.rstrip("/") + url_for("auth_vk.login", ticket=ticket)}
        return {"url": url_for("auth_vk.login", ticket=ticket, _external=True)}
