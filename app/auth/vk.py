"""Sign in with VK: the Authlib client, the one-time OAuth state, VK's answers, and the account rules.

The API is stateless (JWT), so the OAuth state and its PKCE verifier live server-side in Redis for ten
minutes, keyed by the state itself and deleted on first use (GETDEL): a replayed callback finds nothing.
The state is also bound to the browser that started the flow: /auth/vk/login sets a random cookie whose hash
the state keeps, and a callback without it signs no one in (a callback URL sent to a victim is worthless).
Linking VK to a signed-in account starts in that browser too, from a one-time ticket (never the JWT in a URL)
that works only in the browser that asked for it (a cookie set with the ticket).
All remote calls happen before anything is written, so a VK failure never leaves a half-created user.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from sqlalchemy import func, select

from app.auth.models import SocialAccount, User
from app.auth.services import create_user
from app.common.timeutil import utcnow
from app.errors import Conflict, DomainError, Unauthorized, UpstreamError
from app.extensions import db, redis_store

PROVIDER = "vk"
STATE_TTL = 600  # seconds: the whole round trip through VK's consent page
TICKET_TTL = 120  # seconds: the client opens its link ticket at once
_SETTINGS = ("VK_CLIENT_ID", "VK_CLIENT_SECRET", "VK_AUTHORIZE_URL", "VK_TOKEN_URL", "VK_API_URL", "VK_TIMEOUT")
_USERNAME_JUNK = re.compile(r"[^\w.@+-]", re.ASCII)


class VkAuthError(DomainError):
    """VK sign-in failed."""

    code = 400

    def __init__(self, message: str, error: str = "vk_error", errors: dict | None = None) -> None:
        super().__init__(message, errors)
        self.error = error  # machine-readable, for the `#error=` fragment in redirect mode


class VkUpstreamError(UpstreamError):
    """VK did not answer as expected."""

    error = "vk_unavailable"


class StateStoreUnavailable(DomainError):
    """Sign-in state storage is unavailable, try again shortly."""

    code = 503
    error = "temporarily_unavailable"


@dataclass(frozen=True)
class VkIdentity:
    vk_id: int
    first_name: str
    last_name: str
    screen_name: str
    email: str


# -- the Authlib client --------------------------------------------------------------------------------
def vk_client():
    """Authlib's Flask client for VK, built lazily per app and rebuilt when the VK settings change."""
    app = current_app._get_current_object()
    cfg = app.config
    key = tuple(str(cfg.get(name, "")) for name in _SETTINGS)
    cached = app.extensions.get("kalendar_vk_oauth")
    if cached is None or cached[0] != key:
        oauth = OAuth(app)
        client = oauth.register(
            PROVIDER,
            client_id=cfg["VK_CLIENT_ID"],
            client_secret=cfg["VK_CLIENT_SECRET"],
            authorize_url=cfg["VK_AUTHORIZE_URL"],
            access_token_url=cfg["VK_TOKEN_URL"],
            api_base_url=cfg["VK_API_URL"].rstrip("/") + "/",
            client_kwargs={
                "scope": "email",
                "code_challenge_method": "S256",
                # VK rejects HTTP Basic client auth and wants the token in the query string.
                "token_endpoint_auth_method": "client_secret_post",
                "token_placement": "uri",
                "default_timeout": float(cfg.get("VK_TIMEOUT", 10)),
            },
        )
        cached = (key, client)
        app.extensions["kalendar_vk_oauth"] = cached
    return cached[1]


# -- next URL ------------------------------------------------------------------------------------------
def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, parts.hostname, port


def safe_next_url(next_url: str | None, frontend_url: str, location: str = "query") -> str:
    """`next` if it is an absolute URL on the SPA's origin (no open redirect); the SPA's root if empty."""
    if not next_url:
        return frontend_url
    bad = VkAuthError(
        "`next` must be a URL on the web app.",
        "invalid_request",
        {location: {"next": ["Must be an absolute URL on the web app's origin."]}},
    )
    if len(next_url) > 2048 or any(ord(c) <= 0x20 or c == "\\" for c in next_url):
        raise bad
    try:
        parts = urlsplit(next_url)
        origin = _origin(next_url)
    except ValueError as exc:
        raise bad from exc
    if origin[0] not in ("http", "https") or parts.username or parts.password or "@" in parts.netloc:
        raise bad
    if origin != _origin(frontend_url):
        raise bad
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


# -- one-time state ------------------------------------------------------------------------------------
def _state_key(state: str) -> str:
    return f"vk:oauth-state:{state}"


def save_state(state: str, data: dict[str, Any]) -> None:
    try:
        redis_store.client.set(_state_key(state), json.dumps(data), ex=STATE_TTL)
    except redis.RedisError as exc:
        raise StateStoreUnavailable() from exc


def pop_state(state: str | None) -> dict[str, Any] | None:
    """The data saved with `state`, removed so that it works once; None if unknown, used or expired."""
    if not state or len(state) > 128:
        return None
    try:
        raw = redis_store.client.getdel(_state_key(state))
    except redis.RedisError as exc:
        raise StateStoreUnavailable() from exc
    return json.loads(raw) if raw else None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def begin_login(next_url: str, redirect_uri: str, link_user_id: int | None = None) -> tuple[str, str]:
    """VK's authorize URL for a new flow, and the browser secret to set as a cookie; the state remembers
    where to go back, whom to link, and the secret's hash."""
    rv = vk_client().create_authorization_url(redirect_uri)
    browser = secrets.token_urlsafe(32)
    save_state(
        rv["state"],
        {
            "code_verifier": rv["code_verifier"],
            "redirect_uri": redirect_uri,
            "next": next_url,
            "link_user_id": link_user_id,
            "browser": _digest(browser),
        },
    )
    return rv["url"], browser


def same_browser(state_data: dict[str, Any], cookie: str | None) -> bool:
    expected = state_data.get("browser")
    return bool(cookie and expected) and hmac.compare_digest(_digest(cookie), expected)


def issue_link_ticket(user_id: int, next_url: str) -> tuple[str, str]:
    """A one-time ticket that starts linking VK to `user_id`, and the browser secret to set as a cookie in
    the client that asked for it: the ticket works only in that browser, so a ticket URL sent to a victim
    cannot attach the victim's VK account to the sender's."""
    ticket, browser = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    data = {"user_id": user_id, "next": next_url, "browser": _digest(browser)}
    try:
        redis_store.client.set(f"vk:link-ticket:{_digest(ticket)}", json.dumps(data), ex=TICKET_TTL)
    except redis.RedisError as exc:
        raise StateStoreUnavailable() from exc
    return ticket, browser


def pop_link_ticket(ticket: str | None, cookie: str | None) -> dict[str, Any] | None:
    """The ticket's data, spent on first use; None when unknown, used, expired or opened in another browser
    (which spends it too: the attempt was not its owner's)."""
    if not ticket or len(ticket) > 128:
        return None
    try:
        raw = redis_store.client.getdel(f"vk:link-ticket:{_digest(ticket)}")
    except redis.RedisError as exc:
        raise StateStoreUnavailable() from exc
    data = json.loads(raw) if raw else None
    return data if data is not None and same_browser(data, cookie) else None


# -- talking to VK -------------------------------------------------------------------------------------
def fetch_identity(code: str, state_data: dict[str, Any]) -> VkIdentity:
    """Exchange the code (with the PKCE verifier) and read the profile; every VK failure is a 4xx/502."""
    client = vk_client()
    version = current_app.config["VK_API_VERSION"]
    if not code or len(code) > 512:
        raise VkAuthError("VK did not send an authorization code.", "invalid_request")
    try:
        token = client.fetch_access_token(
            redirect_uri=state_data["redirect_uri"], code=code, code_verifier=state_data["code_verifier"]
        )
    except OAuthError as exc:
        if exc.error == "invalid_grant":
            raise VkAuthError(
                "The VK authorization code is invalid, expired or already used.", "invalid_grant"
            ) from exc
        raise VkUpstreamError(f"VK refused the token request ({exc.error}).") from exc
    except (requests.RequestException, ValueError) as exc:
        raise VkUpstreamError("VK's token endpoint is unavailable.") from exc
    access_token = token.get("access_token")
    if not access_token:
        raise VkUpstreamError("VK's token response has no access token.")
    try:
        resp = client.get(
            "users.get",
            token={"access_token": access_token, "token_type": "bearer"},
            params={"fields": "screen_name", "v": version},
        )
        resp.raise_for_status()
        body = resp.json()
    except (requests.RequestException, ValueError) as exc:
        raise VkUpstreamError("VK's API is unavailable.") from exc
    if not isinstance(body, dict) or "error" in body or not body.get("response"):
        detail = body.get("error") if isinstance(body, dict) else None
        message = detail.get("error_msg") if isinstance(detail, dict) else None
        raise VkUpstreamError(f"VK's API answered with an error: {message or 'no profile'}.")
    profile = body["response"][0]
    try:
        vk_id = int(profile["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise VkUpstreamError("VK's profile has no id.") from exc
    if token.get("user_id") is not None and str(token["user_id"]) != str(vk_id):
        raise VkUpstreamError("VK's token and profile belong to different users.")
    email = str(token.get("email") or "").strip()
    return VkIdentity(
        vk_id=vk_id,
        first_name=str(profile.get("first_name") or "")[:150],
        last_name=str(profile.get("last_name") or "")[:150],
        screen_name=str(profile.get("screen_name") or "")[:150],
        email=email if "@" in email and len(email) <= 254 else "",
    )


# -- accounts ------------------------------------------------------------------------------------------
def _username_base(identity: VkIdentity) -> str:
    base = _USERNAME_JUNK.sub("", identity.screen_name)[:140]
    if not base or base.lower() == f"id{identity.vk_id}":  # VK's default screen name says nothing
        base = f"vk{identity.vk_id}"
    return base


def unique_username(base: str) -> str:
    """`base`, or `base` plus the smallest free number; compared case-insensitively, in one query."""
    pattern = base.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    taken = set(
        db.session.scalars(
            select(func.lower(User.username)).where(func.lower(User.username).like(pattern, escape="\\"))
        )
    )
    if base.lower() not in taken:
        return base
    n = 1
    while f"{base}{n}".lower() in taken:
        n += 1
    return f"{base}{n}"


def _account_of(vk_id: int) -> SocialAccount | None:
    return db.session.scalar(
        select(SocialAccount).where(SocialAccount.provider == PROVIDER, SocialAccount.provider_user_id == str(vk_id))
    )


def sign_in_with_vk(identity: VkIdentity, link_user_id: int | None = None) -> User:
    """The user this VK account signs in as: linked to `link_user_id`, found, or created (with signup's extras)."""
    account = _account_of(identity.vk_id)
    if link_user_id is not None:
        user = db.session.get(User, link_user_id)
        if user is None or not user.is_active:
            raise Unauthorized("The account to link is gone or disabled.")
        if account is not None and account.user_id != user.id:
            raise Conflict("This VK account is already linked to another user.")
        if account is None:
            other = db.session.scalar(
                select(SocialAccount).where(SocialAccount.user_id == user.id, SocialAccount.provider == PROVIDER)
            )
            if other is not None:
                raise Conflict("Your account is already linked to another VK account.")
    elif account is not None:
        user = db.session.get(User, account.user_id)
        if user is None or not user.is_active:
            raise Unauthorized("This account is disabled.")
    else:
        user = create_user(
            username=unique_username(_username_base(identity)),
            email=identity.email,
            first_name=identity.first_name,
            last_name=identity.last_name,
        )
    if account is None:
        account = SocialAccount(user_id=user.id, provider=PROVIDER, provider_user_id=str(identity.vk_id))
        db.session.add(account)
    account.screen_name = identity.screen_name
    account.last_login_at = utcnow()
    db.session.flush()
    return user


def vk_linked(user: User) -> bool:
    return (
        db.session.scalar(
            select(SocialAccount.id).where(SocialAccount.user_id == user.id, SocialAccount.provider == PROVIDER)
        )
        is not None
    )
