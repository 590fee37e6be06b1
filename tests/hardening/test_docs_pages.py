"""/docs and /redoc: every script and style from this service, under a CSP; and they work in a real browser."""

from __future__ import annotations

import os
import re
import tempfile
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from tests.admin.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.processes import PYTHON, free_port, http_ok, live_environment, running

SRC = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_nothing_from_another_origin(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assets = SRC.findall(html)
    assert assets and all(urlsplit(url).netloc == "" for url in assets), assets
    for url in assets:
        asset = client.get(url)
        try:
            assert asset.status_code == 200 and len(asset.get_data()) > 10_000, url
        finally:
            asset.close()
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "cdn" not in policy and "unsafe-eval" not in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


@pytest.mark.live
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed ({CHROMIUM})")
def test_docs_pages_render_in_a_browser_under_their_csp(app):
    port = free_port()
    env = live_environment(app, PORT=str(port), WEB_CONCURRENCY="1", GUNICORN_ACCESS_LOG="")
    base = f"http://127.0.0.1:{port}"
    with (
        running(
            [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
            env,
            ready=lambda: http_ok(f"{base}/healthz"),
            timeout=60,
            log_name="docs-web",
        ),
        tempfile.TemporaryDirectory(prefix="kalendar-chromium-") as profile,
        sync_playwright() as pw,
    ):
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        context.set_default_timeout(20_000)
        page = context.new_page()
        foreign, violations = [], []
        code = ("script", "stylesheet", "font", "xhr", "fetch", "document")

        def on_request(r):
            if r.resource_type in code and not r.url.startswith((base, "data:", "blob:")):
                foreign.append(r.url)

        def on_console(m):
            # ReDoc's footer logo comes from its CDN: the policy blocks it, as it blocks anything foreign.
            if "Content Security Policy" in m.text and "cdn.redoc.ly/redoc/logo-mini.svg" not in m.text:
                violations.append(m.text)

        page.on("request", on_request)
        page.on("console", on_console)
        page.goto(f"{base}/docs")
        page.locator(".swagger-ui .info .title").filter(has_text="Kalendar API").wait_for()
        page.locator(".opblock-summary-path", has_text="/api/v1/auth/login").first.wait_for()
        page.goto(f"{base}/redoc")
        page.get_by_role("heading", name=re.compile("Kalendar API")).first.wait_for()
        page.get_by_role("heading", name="Log in with username and password").first.wait_for()
        context.close()
    assert foreign == [], foreign
    assert violations == [], violations
