"""Cross-cutting behaviour: envelope, probes, CORS, security headers, secrets, CLI."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.config import Config, ConfigError, TestConfig, settle_public_url
from app.extensions import redis_store


def test_docs_and_spec_are_served(client):
    spec = client.get("/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/auth/login" in spec["paths"]
    assert spec["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 200


def test_404_and_405_use_the_envelope(client):
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.json["code"] == 404 and resp.json["status"] == "Not Found"
    resp = client.delete("/api/v1/auth/login")
    assert resp.status_code == 405
    assert resp.json["status"] == "Method Not Allowed"
    assert "POST" in resp.headers["Allow"]


@pytest.fixture(scope="module")
def fresh_app() -> Flask:
    """A second app instance, so test-only routes can be added before its first request."""
    application = create_app(TestConfig)

    @application.get("/_boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    @application.get("/_clash")
    def clash():
        raise IntegrityError("INSERT INTO users ...", {}, Exception("duplicate key"))

    return application


def test_unexpected_errors_are_500_without_internals(fresh_app: Flask, caplog):
    resp = fresh_app.test_client().get("/_boom")
    assert resp.status_code == 500
    assert resp.json == {"code": 500, "status": "Internal Server Error", "message": "Internal server error."}
    assert "unhandled error" in caplog.text  # logged for the operator, not shown to the client


def test_integrity_error_is_409(fresh_app: Flask):
    resp = fresh_app.test_client().get("/_clash")
    assert resp.status_code == 409
    assert resp.json["status"] == "Conflict"
    assert "INSERT" not in resp.get_data(as_text=True)


def test_body_size_limit_is_413(client):
    resp = client.post("/api/v1/auth/login", data="x" * (1024 * 1024 + 1), content_type="application/json")
    assert resp.status_code == 413
    assert resp.json["code"] == 413


def test_probes(client):
    assert client.get("/healthz").json == {"status": "ok"}
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_reports_redis_down(client, monkeypatch):
    monkeypatch.setattr(redis_store, "ping", lambda: False)
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.json["checks"]["redis"] == "down"
    assert resp.json["checks"]["database"] == "ok"


def test_security_headers_on_every_response(client):
    for resp in (client.get("/healthz"), client.get("/api/v1/auth/me"), client.get("/nope")):
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert len(resp.headers.getlist("X-Frame-Options")) == 1


def test_security_headers_keep_a_responses_own_value(app):
    with app.test_request_context("/healthz"):
        resp = app.process_response(app.response_class("", headers={"x-frame-options": "SAMEORIGIN"}))
    assert resp.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_cors_allows_only_configured_origins(client):
    ok = client.options(
        "/api/v1/auth/login", headers={"Origin": "https://app.example.test", "Access-Control-Request-Method": "POST"}
    )
    assert ok.headers.get("Access-Control-Allow-Origin") == "https://app.example.test"
    for evil in ("https://evil.test", "https://app.example.test.evil.test", "null"):
        resp = client.options("/api/v1/auth/login", headers={"Origin": evil, "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in resp.headers, evil


def test_without_cors_origins_no_origin_is_allowed():
    """No CORS_ORIGINS (the web client is served by the app itself): flask-cors is not even installed, and no
    response tells a browser that another origin may read it."""

    class SameOrigin(TestConfig):
        CORS_ORIGINS: list[str] = []

    client = create_app(SameOrigin).test_client()
    origin = {"Origin": "https://app.example.test", "Access-Control-Request-Method": "POST"}
    for resp in (client.options("/api/v1/auth/login", headers=origin), client.get("/healthz", headers=origin)):
        assert resp.status_code in (200, 204)
        assert not [name for name in resp.headers.keys() if name.lower().startswith("access-control-")]


@pytest.mark.parametrize("secret", ["", "change-me", "short"])
def test_refuses_to_start_with_weak_secrets_outside_debug(secret):
    class Prod(Config):
        DEBUG = False
        TESTING = False
        SECRET_KEY = secret
        JWT_SECRET_KEY = "a-long-enough-random-looking-jwt-secret"
        SQLALCHEMY_DATABASE_URI = TestConfig.SQLALCHEMY_DATABASE_URI
        REDIS_URL = TestConfig.REDIS_URL

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Prod)


def test_database_url_is_normalised_to_psycopg():
    from app.config import normalize_database_url

    assert normalize_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgresql+psycopg2://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_create_superuser_scripted(app, monkeypatch):
    from app.auth.services import get_user_by_username

    monkeypatch.setenv("SUPERUSER_PASSWORD", "an-operator-passphrase")
    result = app.test_cli_runner().invoke(args=["create-superuser", "--username", "root", "--email", "r@x.test"])
    assert result.exit_code == 0, result.output
    user = get_user_by_username("root")
    assert user.is_superuser and user.email == "r@x.test"
    assert user.password_hash.startswith("$argon2id$")


def test_create_superuser_refuses_weak_password(app, monkeypatch):
    from app.auth.services import get_user_by_username

    monkeypatch.setenv("SUPERUSER_PASSWORD", "12345678")
    result = app.test_cli_runner().invoke(args=["create-superuser", "--username", "root"])
    assert result.exit_code != 0
    assert "numeric" in result.output
    assert get_user_by_username("root") is None


def test_create_superuser_interactive(app, monkeypatch):
    monkeypatch.delenv("SUPERUSER_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(
        args=["create-superuser"], input="boss\nboss@x.test\nan-operator-passphrase\nan-operator-passphrase\n"
    )
    assert result.exit_code == 0, result.output
    assert "Superuser 'boss' created" in result.output


def test_deeply_nested_json_is_400(client):
    resp = client.post("/api/v1/auth/login", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert resp.status_code == 400
    assert resp.json["code"] == 400


def test_new_rows_have_updated_at_equal_to_created_at(api, user):
    board = api.post("/api/v1/boards", user, json={"title": "Fresh"}).json
    assert board["updated_at"] == board["created_at"]


def test_a_configured_deployment_refuses_to_start_without_public_url():
    """Links (feed URLs, the VK redirect) must not come from a Host header an attacker chooses."""

    class Prod(Config):
        DEBUG = False
        TESTING = False
        SECRET_KEY = "a-long-enough-random-looking-secret"
        JWT_SECRET_KEY = "a-long-enough-random-looking-jwt-secret"
        SQLALCHEMY_DATABASE_URI = TestConfig.SQLALCHEMY_DATABASE_URI
        REDIS_URL = TestConfig.REDIS_URL
        PUBLIC_URL = ""

    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app(Prod)


@pytest.mark.parametrize(("local", "debug"), [(True, False), (False, True)])
def test_a_local_run_defaults_public_url_to_its_own_port(monkeypatch, local, debug):
    monkeypatch.setenv("PORT", "5077")
    config = {"PUBLIC_URL": "", "DEBUG": debug, "TESTING": False}
    settle_public_url(config, local=local)
    assert config["PUBLIC_URL"] == "http://127.0.0.1:5077"
    kept = {"PUBLIC_URL": "https://kalendar.example.org", "DEBUG": False, "TESTING": False}
    settle_public_url(kept, local=False)
    assert kept["PUBLIC_URL"] == "https://kalendar.example.org"


def test_ensure_sync_passes_plain_functions_and_hands_coroutines_to_flask(app):
    def plain():
        return "ok"

    async def coroutine():
        return "ok"

    assert app.ensure_sync(plain) is plain
    try:
        wrapped = app.ensure_sync(coroutine)
    except RuntimeError as error:  # Flask's own answer without asgiref installed
        assert "async" in str(error).lower()
    else:
        assert wrapped is not coroutine
