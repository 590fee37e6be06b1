"""Configuration: every environment variable is read here, once, with typed helpers."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSECURE_SECRETS = {"", "change-me", "dev", "secret", "changeme", "dev-insecure-secret"}
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class ConfigError(RuntimeError):
    """The environment asks for something Kalendar cannot run with; the entry points print it and exit."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    return raw in {"1", "true", "yes", "on"} if raw else default


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def normalize_database_url(url: str) -> str:
    """Map the URLs people hand us (Heroku's postgres://, plain postgresql://, an older postgresql+psycopg2://)
    onto the psycopg 3 driver we ship."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def settle_public_url(config: dict, *, local: bool) -> None:
    """Links we hand out (feed URLs, the VK redirect) are built from PUBLIC_URL, never from the Host header.

    A local run (the embedded servers, or debug) is served on 127.0.0.1:$PORT, so that is its default; a
    configured deployment must say its external base URL. Tests build links from the test client's host.
    """
    if config.get("PUBLIC_URL") or config.get("TESTING"):
        return
    if local or config.get("DEBUG"):
        config["PUBLIC_URL"] = f"http://127.0.0.1:{env_int('PORT', 5000)}"
        return
    raise ConfigError(
        "PUBLIC_URL must be set to the service's external base URL (e.g. https://kalendar.example.com): feed links"
        " and the VK redirect are built from it"
    )


def check_service_urls(database_url: str, redis_url: str) -> None:
    """PostgreSQL and Redis are the only stores: refuse any other URL before anything connects.

    Empty is fine (the embedded servers fill it in). Only the scheme is quoted back: a URL carries a password.
    """
    scheme = normalize_database_url(database_url).partition(":")[0]
    if database_url and not scheme.startswith("postgresql"):
        raise ConfigError(
            f"DATABASE_URL must point at PostgreSQL 15 or newer (postgresql://user:password@host/db), not {scheme!r};"
            " leave it unset to use the embedded PostgreSQL"
        )
    if redis_url and not redis_url.startswith(REDIS_SCHEMES):
        raise ConfigError(
            f"REDIS_URL must point at Redis 6 or newer (redis://, rediss:// or unix://), not"
            f" {redis_url.partition(':')[0]!r}; leave it unset to use the embedded Valkey"
        )


@contextmanager
def refuse_to_start(exit_code: int) -> Iterator[None]:
    """Entry points: a ConfigError becomes one line on stderr and an exit code, not a traceback."""
    try:
        yield
    except ConfigError as exc:
        print(f"kalendar: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(exit_code) from None


def limiter_storage_uri(redis_url: str) -> str:
    """Flask-Limiter (the `limits` package) names a Unix-socket Redis `redis+unix://`; redis-py says `unix://`."""
    return "redis+" + redis_url if redis_url.startswith("unix://") else redis_url


DB_OPTIONS = "-c TimeZone=UTC"


class Config:
    DEBUG = env_bool("FLASK_DEBUG")
    TESTING = False

    SECRET_KEY = env_str("SECRET_KEY")
    JWT_SECRET_KEY = env_str("JWT_SECRET_KEY")
    # Empty DATABASE_URL / REDIS_URL: create_app fills them from the embedded servers (app/embedded.py).
    SQLALCHEMY_DATABASE_URI = normalize_database_url(env_str("DATABASE_URL"))
    # Keep as many connections as a worker's concurrent requests (gevent: up to worker_connections greenlets):
    # with SQLAlchemy's default of 5, connections over the pool size are closed on return and reopened on
    # the next burst, a new PostgreSQL backend every few requests under load (bench/RESULTS.md). LIFO: the
    # connection just returned (warm caches, prepared statements) serves the next request. No pre-ping on
    # every checkout: app/common/pool.py checks liveness without a round trip, and pings only connections
    # idle for over DB_PING_AFTER_IDLE seconds.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "pool_size": env_int("DB_POOL_SIZE", 20),
        "max_overflow": env_int("DB_MAX_OVERFLOW", 10),
        "pool_use_lifo": True,
        # psycopg 3 prepares a statement on the server once it ran DB_PREPARE_THRESHOLD times on a connection:
        # later runs skip parsing and planning. Set it empty behind a transaction-mode pgbouncer < 1.21.
        # DB_OPTIONS: settings sent with the connection's startup (no round trip). TimeZone=UTC: timestamps arrive
        # in UTC, which the hot statements then take as they are (app/common/hot.py).
        "connect_args": {
            "prepare_threshold": env_int("DB_PREPARE_THRESHOLD", 2) if env_str("DB_PREPARE_THRESHOLD", "2") else None,
            **({"options": options} if (options := env_str("DB_OPTIONS", DB_OPTIONS)) else {}),
        },
    }
    DB_PING_AFTER_IDLE = env_float("DB_PING_AFTER_IDLE", 30.0)
    REDIS_URL = env_str("REDIS_URL")

    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Port entries are trusted.
    # 0: the headers are ignored (nobody can spoof an address); behind one TLS proxy: 1.
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
    CORS_ORIGINS = env_list("CORS_ORIGINS")
    FRONTEND_URL = env_str("FRONTEND_URL", "http://localhost:5173")
    PUBLIC_URL = env_str("PUBLIC_URL")  # absolute base of links we hand out; see settle_public_url
    DEFAULT_TIMEZONE = env_str("DEFAULT_TIMEZONE", "Europe/Moscow")

    JWT_ACCESS_TTL = env_int("JWT_ACCESS_TTL", 15 * 60)
    JWT_REFRESH_TTL = env_int("JWT_REFRESH_TTL", 30 * 24 * 3600)
    JWT_SESSION_MAX_AGE = env_int("JWT_SESSION_MAX_AGE", 90 * 24 * 3600)  # a session ends this long after login
    AUTH_SESSION_KEEP = env_int("AUTH_SESSION_KEEP", 7 * 24 * 3600)  # ended sessions stay listed this long
    # Seconds an access token's owner may be answered from Redis (app/auth/owner_cache.py); 0 turns it off.
    AUTH_CACHE_MAX_AGE = env_int("AUTH_CACHE_MAX_AGE", 60)
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    JWT_TOKEN_LOCATION = ["headers"]
    # Only /auth/refresh also reads the web client's cookie (app/auth/cookies.py, which does the CSRF check).
    JWT_REFRESH_COOKIE_NAME = "kalendar_refresh"
    JWT_REFRESH_COOKIE_PATH = "/api/v1/auth"
    JWT_COOKIE_CSRF_PROTECT = False

    # Argon2id, OWASP minimum profile (19 MiB, t=2, p=1).
    PASSWORD_HASH_TIME_COST = env_int("PASSWORD_HASH_TIME_COST", 2)
    PASSWORD_HASH_MEMORY_KIB = env_int("PASSWORD_HASH_MEMORY_KIB", 19 * 1024)

    # Wrong passwords per (username, address) and per address; per username only a soft ceiling that slows
    # every attempt for that name down (never a lock-out of its owner); successes per (username, address).
    RATELIMIT_LOGIN = env_str("RATELIMIT_LOGIN", "10/15minute")
    RATELIMIT_LOGIN_USER = env_str("RATELIMIT_LOGIN_USER", "100/15minute")
    LOGIN_SLOWDOWN_SECONDS = env_float("LOGIN_SLOWDOWN_SECONDS", 2.0)
    RATELIMIT_LOGIN_SUCCESS = env_str("RATELIMIT_LOGIN_SUCCESS", "30/15minute")
    RATELIMIT_PASSWORD_CHANGE = env_str("RATELIMIT_PASSWORD_CHANGE", "5/15minute")  # wrong current passwords
    RATELIMIT_SIGNUP = env_str("RATELIMIT_SIGNUP", "20/hour")
    RATELIMIT_VERIFY = env_str("RATELIMIT_VERIFY", "5/15minute")  # wrong Telegram codes per user
    RATELIMIT_VERIFY_IP = env_str("RATELIMIT_VERIFY_IP", "20/15minute")  # ...per client address
    RATELIMIT_VERIFY_GLOBAL = env_str("RATELIMIT_VERIFY_GLOBAL", "300/15minute")  # ...for everyone together
    RATELIMIT_FEED = env_str("RATELIMIT_FEED", "60/minute")
    RATELIMIT_VK_LOGIN = env_str("RATELIMIT_VK_LOGIN", "30/minute")  # VK flows started per client address
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True  # a Redis outage must not take the API down
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN")
    TELEGRAM_API_URL = env_str("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
    TELEGRAM_SEND_RATE = env_float("TELEGRAM_SEND_RATE", 25.0)
    TELEGRAM_CHAT_RATE = env_float("TELEGRAM_CHAT_RATE", 1.0)  # messages/s to one chat (Telegram's limit)
    # Telegram notifications per person per clock hour; the rest of the hour comes as one digest (0: no cap).
    NOTIFY_HOURLY_CAP = env_int("NOTIFY_HOURLY_CAP", 20)
    TELEGRAM_TIMEOUT = env_float("TELEGRAM_TIMEOUT", 10.0)
    TELEGRAM_MAX_ATTEMPTS = env_int("TELEGRAM_MAX_ATTEMPTS", 5)
    TELEGRAM_BACKOFF_SECONDS = env_float("TELEGRAM_BACKOFF_SECONDS", 1.0)
    TELEGRAM_MAX_RETRY_AFTER = env_float("TELEGRAM_MAX_RETRY_AFTER", 60.0)
    BOT_POLL_TIMEOUT = env_int("BOT_POLL_TIMEOUT", 25)  # seconds one getUpdates long poll waits
    BOT_HEARTBEAT_STALE = env_int("BOT_HEARTBEAT_STALE", 90)  # an older heartbeat reads "stale"
    BOT_CONVERSATION_TTL = env_int("BOT_CONVERSATION_TTL", 15 * 60)  # an idle /create is forgotten after this

    SCHEDULER_INTERVAL = env_float("SCHEDULER_INTERVAL", 1.0)  # seconds between rq-scheduler passes
    REMINDER_STALE_SECONDS = env_int("REMINDER_STALE_SECONDS", 600)  # older occurrences are skipped
    REMINDER_SNOOZE_MINUTES = env_float("REMINDER_SNOOZE_MINUTES", 15.0)  # ⏰ Later re-sends a reminder once after this

    VK_CLIENT_ID = env_str("VK_CLIENT_ID")
    VK_CLIENT_SECRET = env_str("VK_CLIENT_SECRET")
    VK_AUTHORIZE_URL = env_str("VK_AUTHORIZE_URL", "https://oauth.vk.com/authorize")
    VK_TOKEN_URL = env_str("VK_TOKEN_URL", "https://oauth.vk.com/access_token")
    VK_API_URL = env_str("VK_API_URL", "https://api.vk.com/method")
    VK_API_VERSION = env_str("VK_API_VERSION", "5.199")
    VK_TIMEOUT = env_float("VK_TIMEOUT", 10.0)

    # The admin site's login session (Flask's signed cookie); the JWT API never reads cookies.
    SESSION_COOKIE_NAME = "kalendar_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)  # set true behind HTTPS
    PERMANENT_SESSION_LIFETIME = env_int("ADMIN_SESSION_TTL", 8 * 3600)

    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
    PRESENCE_TTL = env_int("PRESENCE_TTL", 30)
    # What one WebSocket client may send (heartbeats are a few bytes, one per some seconds).
    WS_MAX_MESSAGE_BYTES = env_int("WS_MAX_MESSAGE_BYTES", 4096)  # a larger message closes the socket (1009)
    WS_MAX_MESSAGES_PER_SECOND = env_int("WS_MAX_MESSAGES_PER_SECOND", 10)  # more closes it (1008)
    SOCK_SERVER_OPTIONS = {"max_message_size": WS_MAX_MESSAGE_BYTES}

    API_TITLE = "Kalendar API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "/docs-assets/swagger-ui/"  # vendored (app/apidocs), never a CDN
    OPENAPI_REDOC_PATH = "/redoc"
    OPENAPI_REDOC_URL = "/docs-assets/redoc/redoc.standalone.js"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "refreshCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "kalendar_refresh",
                    "description": "The web client's refresh token (HttpOnly, SameSite=Strict, path /api/v1/auth); "
                    "accepted only with `X-Kalendar-Client: web` and this service's Origin.",
                },
            }
        },
        "security": [{"bearerAuth": []}],
        "info": {"description": "Goals, habits and team tasks: one planner backend."},
    }

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to run in production with secrets that anybody can guess."""
        if config.get("DEBUG") or config.get("TESTING"):
            for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
                if not config.get(key):
                    config[key] = "dev-insecure-secret"
            return
        for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
            if config.get(key, "") in INSECURE_SECRETS or len(config.get(key, "")) < 16:
                raise ConfigError(f"{key} must be set to a long random value outside debug/testing")


class TestConfig(Config):
    TESTING = True
    DEBUG = False
    SECRET_KEY = "test-secret-key-not-for-production"
    JWT_SECRET_KEY = "test-jwt-secret-key-not-for-production"
    # Empty: the test harness (tests/conftest.py) starts embedded servers of its own and fills these in.
    SQLALCHEMY_DATABASE_URI = normalize_database_url(env_str("TEST_DATABASE_URL"))
    REDIS_URL = env_str("TEST_REDIS_URL")
    CORS_ORIGINS = ["https://app.example.test"]
    FRONTEND_URL = "https://app.example.test"
    DEFAULT_TIMEZONE = "Europe/Moscow"
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024  # tests hash hundreds of passwords; production keeps the OWASP profile
    RATELIMIT_LOGIN = "5/15minute"
    RATELIMIT_LOGIN_USER = "20/15minute"
    LOGIN_SLOWDOWN_SECONDS = 0.5
    RATELIMIT_LOGIN_SUCCESS = "30/15minute"
    RATELIMIT_PASSWORD_CHANGE = "5/15minute"
    RATELIMIT_SIGNUP = "1000/hour"
    RATELIMIT_VERIFY = "5/15minute"
    TELEGRAM_BOT_TOKEN = "123456:TEST"
    TELEGRAM_API_URL = "http://127.0.0.1:9"  # nothing listens: tests that send start the fake server
    TELEGRAM_TIMEOUT = 2.0
    TELEGRAM_BACKOFF_SECONDS = 0.05
    TELEGRAM_CHAT_RATE = 0.0  # off: tests send several messages to one chat at once; its own tests set it
    NOTIFY_HOURLY_CAP = 0  # off for the same reason; tests/notify/test_digest.py sets it
    VK_CLIENT_ID = "test-vk-client"
    VK_CLIENT_SECRET = "test-vk-secret"
