"""A fake VK OAuth 2.0 provider: authorize page, token endpoint and `users.get`, on real HTTP.

In-process (tests)::

    with FakeVK(client_id="id", client_secret="secret") as vk:
        vk.add_user(1, "Pavel", "Durov", screen_name="durov", email="p@example.test")
        vk.login_as(1)
        ... point VK_AUTHORIZE_URL / VK_TOKEN_URL / VK_API_URL at vk.authorize_url / vk.token_url / vk.api_url

As a process: ``python -m fakes.vk --port 8765`` (one demo user; ``POST /_script`` with a JSON body such as
``{"login_as": 2, "fail": {"token": "http500"}}`` changes the script from outside).

Scriptable failures (``fail(endpoint, mode)``, until ``reset_failures()``):
- ``authorize``: ``deny`` (redirects back with ``error=access_denied``);
- ``token``: ``http500``, ``error`` (VK's ``{"error": ..., "error_description": ...}`` body), ``timeout``;
- ``api``: ``http500``, ``error`` (VK's ``{"error": {"error_code": ..., "error_msg": ...}}`` body), ``timeout``.
A user added without an email gets a token response without ``email`` (as VK does when it has none).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    user_id: int
    used: bool = False
    created: float = field(default_factory=time.monotonic)


class FakeVK:
    """The provider's state; its HTTP server runs in a daemon thread between start() and stop()."""

    CODE_TTL = 600.0

    def __init__(
        self,
        client_id: str = "fake-vk-client",
        client_secret: str = "fake-vk-secret",
        host: str = "127.0.0.1",
        port: int = 0,
        timeout_delay: float = 3.0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout_delay = timeout_delay
        self.users: dict[int, dict[str, Any]] = {}
        self.current_user_id: int | None = None
        self.failures: dict[str, str] = {}
        self.grants: dict[str, _Grant] = {}
        self.tokens: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, params) as received, for assertions
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread: threading.Thread | None = None

    # -- scripting ---------------------------------------------------------------------------------
    def add_user(
        self,
        user_id: int,
        first_name: str = "Ivan",
        last_name: str = "Petrov",
        *,
        screen_name: str | None = None,
        email: str | None = None,
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "first_name": first_name,
            "last_name": last_name,
            "screen_name": screen_name or f"id{user_id}",
            "email": email,
        }

    def login_as(self, user_id: int) -> None:
        """The VK user who "approves" the next authorize requests."""
        if user_id not in self.users:
            self.add_user(user_id)
        self.current_user_id = user_id

    def fail(self, endpoint: str, mode: str) -> None:
        self.failures[endpoint] = mode

    def reset_failures(self) -> None:
        self.failures.clear()

    def apply_script(self, script: dict[str, Any]) -> None:
        for user in script.get("users", []):
            self.add_user(
                int(user["id"]),
                user.get("first_name", "Ivan"),
                user.get("last_name", "Petrov"),
                screen_name=user.get("screen_name"),
                email=user.get("email"),
            )
        if "login_as" in script:
            self.login_as(int(script["login_as"]))
        if script.get("reset_failures"):
            self.reset_failures()
        for endpoint, mode in (script.get("fail") or {}).items():
            self.fail(endpoint, mode)

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def authorize_url(self) -> str:
        return self.base_url + "/authorize"

    @property
    def token_url(self) -> str:
        return self.base_url + "/access_token"

    @property
    def api_url(self) -> str:
        return self.base_url + "/method"

    def start(self) -> FakeVK:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-vk", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeVK:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    # -- endpoints ---------------------------------------------------------------------------------
    def authorize(self, params: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or not redirect_uri:
            return 400, {}, {"error": "invalid_client", "error_description": "client_id or redirect_uri is wrong"}
        if params.get("response_type") != "code":
            return 400, {}, {"error": "unsupported_response_type", "error_description": "response_type=code only"}
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return 400, {}, {"error": "invalid_request", "error_description": "PKCE S256 challenge required"}
        back: dict[str, str] = {}
        if self.failures.get("authorize") == "deny" or self.current_user_id is None:
            back.update(error="access_denied", error_reason="user_denied", error_description="User denied your request")
        else:
            code = secrets.token_hex(9)
            with self._lock:
                self.grants[code] = _Grant(self.client_id, redirect_uri, params["code_challenge"], self.current_user_id)
            back["code"] = code
        if "state" in params:
            back["state"] = params["state"]
        return 302, {"Location": _add_query(redirect_uri, back)}, None

    def access_token(self, params: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        mode = self.failures.get("token")
        if mode == "timeout":
            time.sleep(self.timeout_delay)
        if mode == "http500":
            return 500, {}, "<html><body>Internal Server Error</body></html>"
        if mode == "error":
            return 401, {}, {"error": "invalid_request", "error_description": "Scripted failure"}
        if params.get("client_id") != self.client_id or params.get("client_secret") != self.client_secret:
            return 401, {}, {"error": "invalid_client", "error_description": "client_secret is incorrect"}
        with self._lock:
            grant = self.grants.get(params.get("code", ""))
            if grant is None or grant.used or time.monotonic() - grant.created > self.CODE_TTL:
                return 401, {}, {"error": "invalid_grant", "error_description": "Code is invalid or expired."}
            grant.used = True  # a code works once, even when the rest of this request is wrong
        if params.get("redirect_uri") != grant.redirect_uri:
            return 401, {}, {"error": "invalid_grant", "error_description": "redirect_uri is incorrect"}
        if _s256(params.get("code_verifier", "")) != grant.code_challenge:
            return 401, {}, {"error": "invalid_grant", "error_description": "code_verifier is incorrect"}
        token = secrets.token_hex(16)
        self.tokens[token] = grant.user_id
        body: dict[str, Any] = {"access_token": token, "expires_in": 86400, "user_id": grant.user_id}
        email = self.users[grant.user_id].get("email")
        if email:
            body["email"] = email
        return 200, {}, body

    def users_get(self, params: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        mode = self.failures.get("api")
        if mode == "timeout":
            time.sleep(self.timeout_delay)
        if mode == "http500":
            return 500, {}, "<html><body>Internal Server Error</body></html>"
        request_params = [{"key": k, "value": v} for k, v in params.items() if k != "access_token"]
        if mode == "error":
            return 200, {}, _api_error(10, "Internal server error: scripted failure", request_params)
        if not params.get("v"):
            return 200, {}, _api_error(8, "Invalid request: v (version) is required", request_params)
        user_id = self.tokens.get(params.get("access_token", ""))
        if user_id is None:
            return 200, {}, _api_error(5, "User authorization failed: invalid access_token (4).", request_params)
        user = self.users[user_id]
        fields = {f.strip() for f in params.get("fields", "").split(",") if f.strip()}
        item = {
            "id": user_id,
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "can_access_closed": True,
            "is_closed": False,
        }
        if "screen_name" in fields:
            item["screen_name"] = user["screen_name"]
        return 200, {}, {"response": [item]}


def _api_error(code: int, message: str, request_params: list[dict[str, str]]) -> dict[str, Any]:
    return {"error": {"error_code": code, "error_msg": message, "request_params": request_params}}


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _add_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _handler_for(fake: FakeVK) -> type[BaseHTTPRequestHandler]:
    routes = {
        "/authorize": fake.authorize,
        "/access_token": fake.access_token,
        "/method/users.get": fake.users_get,
    }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet: tests assert on behaviour, not logs
            pass

        def _params(self) -> dict[str, str]:
            parts = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                raw = self.rfile.read(length).decode("utf-8", "replace")
                if "application/json" in (self.headers.get("Content-Type") or ""):
                    self._json = json.loads(raw or "{}")
                else:
                    params.update({k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()})
            return params

        def _handle(self) -> None:
            self._json: Any = None
            path = urlsplit(self.path).path
            params = self._params()
            fake.requests.append((path, params))
            if path == "/_script" and self.command == "POST":
                fake.apply_script(self._json or {})
                return self._send(200, {}, {"ok": True})
            route = routes.get(path)
            if route is None:
                return self._send(404, {}, {"error": "not_found"})
            status, headers, body = route(params)
            try:
                self._send(status, headers, body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a scripted timeout)

        def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
            if body is None:
                payload, ctype = b"", "text/plain"
            elif isinstance(body, str):
                payload, ctype = body.encode(), "text/html; charset=utf-8"
            else:
                payload, ctype = json.dumps(body).encode(), "application/json; charset=utf-8"
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _handle
        do_POST = _handle

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake VK OAuth provider for local development and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--client-id", default="fake-vk-client")
    parser.add_argument("--client-secret", default="fake-vk-secret")
    args = parser.parse_args(argv)
    fake = FakeVK(args.client_id, args.client_secret, host=args.host, port=args.port)
    fake.add_user(1, "Demo", "User", screen_name="demo", email="demo@example.test")
    fake.login_as(1)
    print(
        f"fake VK on {fake.base_url} (VK_AUTHORIZE_URL={fake.authorize_url} VK_TOKEN_URL={fake.token_url} "
        f"VK_API_URL={fake.api_url})",
        flush=True,
    )
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
