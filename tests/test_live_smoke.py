import pytest
import requests

from tests.processes import PYTHON, free_port, http_ok, running


@pytest.mark.live
def test_gunicorn_serves_the_api_as_the_procfile_starts_it(live_env):
    port = free_port()
    env = {**live_env, "PORT": str(port)}
    with running(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        env,
        ready=lambda: http_ok(f"http://127.0.0.1:{port}/healthz"),
        timeout=60,
        log_name="web",
    ):
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json() == {"status": "ok"}
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.live
def test_access_log_never_shows_query_string_tokens(live_env, tmp_path):
    port = free_port()
    log = tmp_path / "access.log"
    env = {**live_env, "PORT": str(port), "GUNICORN_ACCESS_LOG": str(log)}
    with running(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        env,
        ready=lambda: http_ok(f"http://127.0.0.1:{port}/healthz"),
        timeout=60,
        log_name="web",
    ):
        requests.get(f"http://127.0.0.1:{port}/api/v1/calendar/feed.ics?token=sekrit-feed-token", timeout=5)
        requests.get(f"http://127.0.0.1:{port}/healthz?token=sekrit-feed-token", timeout=5)
    text = log.read_text()
    assert "/healthz" in text and "/api/v1/calendar/feed.ics" in text
    assert "sekrit" not in text
