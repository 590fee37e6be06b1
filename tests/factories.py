"""Test helpers: a JSON client that signs users up and carries their tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

DEFAULT_PASSWORD = "correct-horse-battery-staple"


@dataclass
class Session:
    """A signed-in user as the API sees them."""

    id: int
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class ApiClient:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def signup(self, username: str, password: str = DEFAULT_PASSWORD, **extra: Any):
        body = {"username": username, "password": password, "password_repeat": password, **extra}
        return self.client.post("/api/v1/auth/signup", json=body)

    def login(self, username: str, password: str = DEFAULT_PASSWORD):
        return self.client.post("/api/v1/auth/login", json={"username": username, "password": password})

    def signup_and_login(self, username: str, password: str = DEFAULT_PASSWORD, **extra: Any) -> Session:
        created = self.signup(username, password, **extra)
        assert created.status_code == 201, created.json
        logged = self.login(username, password)
        assert logged.status_code == 200, logged.json
        body = logged.json
        return Session(body["user"]["id"], username, password, body["access_token"], body["refresh_token"])

    def _call(self, method: str, path: str, who: Session | None = None, **kwargs: Any):
        headers = dict(kwargs.pop("headers", {}) or {})
        if who is not None:
            headers.update(who.headers)
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, who: Session | None = None, **kwargs: Any):
        return self._call("GET", path, who, **kwargs)

    def post(self, path: str, who: Session | None = None, **kwargs: Any):
        return self._call("POST", path, who, **kwargs)

    def put(self, path: str, who: Session | None = None, **kwargs: Any):
        return self._call("PUT", path, who, **kwargs)

    def patch(self, path: str, who: Session | None = None, **kwargs: Any):
        return self._call("PATCH", path, who, **kwargs)

    def delete(self, path: str, who: Session | None = None, **kwargs: Any):
        return self._call("DELETE", path, who, **kwargs)
