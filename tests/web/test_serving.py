"""The web client's shell and files: client routes, the API's own paths untouched, CSP, caching, page weight."""

from __future__ import annotations

import re

import pytest

from app.web.routes import STATIC, digest

CLIENT_PATHS = ["/", "/signin", "/signup", "/today", "/goals", "/goals/12", "/habits", "/teams", "/teams/5", "/profile"]


@pytest.mark.parametrize("path", CLIENT_PATHS)
def test_client_routes_serve_the_shell(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '<script type="module" src="/assets/' in response.text
    assert response.headers["Cache-Control"] == "no-cache"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "connect-src 'self' ws://localhost" in csp


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/goals/abc/nope", "/today/extra", "/teams/x"])
def test_other_paths_keep_the_api_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.is_json and response.json["code"] == 404


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc", "/healthz"])
def test_the_service_paths_keep_their_meaning(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers or "/assets/" not in response.text


def test_the_shell_has_no_inline_script_or_style(client):
    html = client.get("/today").text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline handlers


def test_the_shell_follows_the_browsers_language(client):
    assert '<html lang="ru">' in client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "de-DE"}).text


def test_assets_under_the_current_digest_are_immutable(client):
    response = client.get(f"/assets/{digest()}/app.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    assert response.headers["ETag"]
    response.close()


def test_assets_under_an_old_digest_are_revalidated(client):
    response = client.get("/assets/0000000000000000/styles.css")
    response.close()
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    again = client.get("/assets/0000000000000000/styles.css", headers={"If-None-Match": response.headers["ETag"]})
    again.close()
    assert again.status_code == 304


def test_assets_cannot_escape_the_static_folder(client):
    assert client.get(f"/assets/{digest()}/../routes.py").status_code == 404
    assert client.get(f"/assets/{digest()}/%2e%2e/routes.py").status_code == 404


def test_every_first_visit_file_together_stays_under_150_kb(client):
    preloaded = re.findall(r'rel="modulepreload" href="/assets/\w+/([^"]+)"', client.get("/").text)
    assert "app.js" in preloaded and "i18n/en.js" in preloaded and "i18n/ru.js" not in preloaded
    total = sum((STATIC / name).stat().st_size for name in [*preloaded, "styles.css"])
    assert total < 150 * 1024, f"{total} bytes of JS and CSS"


def test_both_languages_have_the_same_keys():
    def keys(name: str) -> set[str]:
        found = set(re.findall(r"^\s+'?([\w.-]+)'?: ", (STATIC / "i18n" / name).read_text(), re.M))
        return {re.sub(r"\.(one|few|many|other)$", "", key) for key in found}  # plural forms differ by language

    assert keys("en.js") == keys("ru.js")
    assert len(keys("en.js")) > 200


def test_vendored_libraries_carry_their_licences_and_pinned_versions():
    vendor = STATIC / "vendor"
    assert (vendor / "LICENSE-preact").read_text().startswith("The MIT License")
    assert "Apache License" in (vendor / "LICENSE-htm").read_text()
    names = sorted(p.name for p in vendor.glob("*.js"))
    assert all(re.search(r"-\d+\.\d+\.\d+\.module\.js$", name) for name in names), names
    for path in STATIC.rglob("*.js"):
        text = path.read_text()
        assert "http://" not in text.replace("http://www.w3.org", "") and "https://cdn" not in text, path
        assert not re.search(r"""from\s*['"](?![./])""", text), f"bare import specifier in {path}"
