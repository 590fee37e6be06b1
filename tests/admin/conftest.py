"""Admin fixtures: superusers and a test client that logged in through the admin's own form."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from app.auth import services
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def make_user(username: str, *, superuser: bool = False, active: bool = True, **extra):
    user = services.create_user(username=username, password=DEFAULT_PASSWORD, is_superuser=superuser, **extra)
    user.is_active = active
    db.session.commit()
    return user


def admin_login(client: FlaskClient, username: str, password: str = DEFAULT_PASSWORD, **headers):
    page = client.get("/admin/login/", headers=headers)
    return client.post(
        "/admin/login/",
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
        headers=headers,
    )


@pytest.fixture
def root(app):
    return make_user("root", superuser=True, email="root@example.test")


@pytest.fixture
def admin_client(app, root) -> FlaskClient:
    client = app.test_client()
    response = admin_login(client, "root")
    assert response.status_code == 302, response.text
    return client
