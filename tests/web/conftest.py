"""The web client in Debian's Chromium (Playwright), against the app as `make run` starts it.

One server for the whole run (another for a module that sets SERVER_ENV): run.py under honcho (web, worker
and bot) on a free port, with its own KALENDAR_DATA_DIR (embedded PostgreSQL and Valkey) and the fake Telegram
server. Skips when no Chromium binary exists (`.ci/install-browser.sh` installs it); never runs
`playwright install`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from app import embedded
from fakes.telegram import FakeTelegram
from tests.processes import CHROMIUM, CHROMIUM_ARGS, PYTHON, ROOT, free_port, wait_until

ARTIFACTS = Path(os.environ.get("KALENDAR_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "web"
PASSWORD = "Browser-Passphrase-7c1f"

#: Browser test modules set `pytestmark = needs_chromium`: without the binary they skip, saying why.
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"web client browser tests skipped: Chromium is not installed at {CHROMIUM} (run .ci/install-browser.sh)",
)


@dataclass
class Server:
    base: str
    telegram: FakeTelegram
    log: Path
    users: dict[str, str] = field(default_factory=dict)  # username -> access token

    def api(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, f"{self.base}/api/v1{path}", headers=headers, timeout=15, **kwargs)

    def spec(self) -> dict:
        return requests.get(f"{self.base}/openapi.json", timeout=15).json()

    def signup(self, prefix: str) -> tuple[str, str]:
        """A new account over the API; returns (username, access token)."""
        username = f"{prefix}{uuid.uuid4().hex[:6]}"
        body = {"username": username, "password": PASSWORD, "password_repeat": PASSWORD}
        assert self.api("POST", "/auth/signup", json=body).status_code == 201
        return username, self.login(username)

    def login(self, username: str) -> str:
        response = self.api("POST", "/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]


def _ready(base: str) -> bool:
    try:
        return requests.get(f"{base}/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def run_server(extra_env: dict[str, str]) -> Iterator[Server]:
    """`make run` as a person starts it: run.py, its own data directory, a free port; stopped with Ctrl-C."""
    data = Path(tempfile.mkdtemp(prefix="kalendar-web-"))  # not tmp_path: see tests/conftest.py server_dir
    telegram = FakeTelegram().start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(
        {
            "KALENDAR_DATA_DIR": str(data / "servers"),
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",
            "GUNICORN_CONTROL_SOCKET": str(data / "gunicorn.ctl"),
            "PASSWORD_HASH_MEMORY_KIB": "1024",
            "PASSWORD_HASH_TIME_COST": "1",
            "RATELIMIT_SIGNUP": "1000/hour",
            "TELEGRAM_BOT_TOKEN": "123456:WEBTEST",
            "TELEGRAM_API_URL": telegram.url,
            "BOT_POLL_TIMEOUT": "1",
            "DEFAULT_TIMEZONE": "Europe/Moscow",
            **extra_env,
        }
    )
    log = data / "run.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [PYTHON, "run.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        if not wait_until(lambda: proc.poll() is None and _ready(base), 180, 0.5):
            raise RuntimeError(f"make run did not become ready:\n{log.read_text()[-4000:]}")
        yield Server(base, telegram, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: run.py stops its processes and the embedded servers
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        embedded.stop(data / "servers")
        telegram.stop()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def _servers() -> Iterator[dict]:
    """Servers shared by every module of the run, one per distinct `SERVER_ENV` (each start costs seconds)."""
    with ExitStack() as stack:
        yield {"stack": stack}


@pytest.fixture
def server(request: pytest.FixtureRequest, _servers: dict) -> Server:
    """The app as `make run` runs it; a module may set `SERVER_ENV` (a dict) to get one configured differently.
    Every test makes its own accounts, so sharing a server shares no state a test relies on."""
    extra = dict(getattr(request.module, "SERVER_ENV", {}))
    key = tuple(sorted(extra.items()))
    if key not in _servers:
        _servers[key] = _servers["stack"].enter_context(run_server(extra))
    return _servers[key]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


class Console:
    """Every console message and page error of a page: a CSP violation shows up here."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("console", lambda message: self.messages.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m or "Content-Security-Policy" in m]

    def errors(self) -> list[str]:
        return [m for m in self.messages if m.startswith(("error:", "pageerror:"))]


def new_page(browser: Browser, *, locale: str = "en-US", width: int = 1440, height: int = 900, scheme: str = "light"):
    context = browser.new_context(
        locale=locale, viewport={"width": width, "height": height}, color_scheme=scheme, timezone_id="Europe/Berlin"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    return context, page, Console(page)


@pytest.fixture
def web(browser: Browser) -> Iterator[tuple[Page, Console]]:
    """A fresh browser context (no cookies, no storage) at desktop width."""
    context, page, console = new_page(browser)
    try:
        yield page, console
    finally:
        context.close()


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot into the test-artifact directory."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_up_in_browser(page: Page, base: str, prefix: str = "web") -> str:
    """Create an account through the sign-up form; the client signs in and lands on Today."""
    username = f"{prefix}{uuid.uuid4().hex[:6]}"
    page.goto(f"{base}/")
    page.get_by_role("link", name="Create account").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/today")
    return username


def sign_in_in_browser(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/today")


def wait_for(check, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()
