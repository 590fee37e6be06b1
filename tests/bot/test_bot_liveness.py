"""The bot's heartbeat: /readyz reports it without depending on it; `flask bot status` exits non-zero when stale."""

from __future__ import annotations

import time

from app.bot import liveness


def test_status_ok_stale_unknown(app, redis_client):
    assert liveness.status() == ("unknown", None)
    liveness.beat()
    assert liveness.status()[0] == "ok"
    assert redis_client.ttl(liveness.HEARTBEAT_KEY) > 0
    later = time.time() + app.config["BOT_HEARTBEAT_STALE"] + 1
    state, age = liveness.status(now=later)
    assert state == "stale" and age > app.config["BOT_HEARTBEAT_STALE"]


def test_readyz_reports_the_bot_but_stays_ready(client, redis_client):
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["bot"] == "unknown"
    redis_client.set(liveness.HEARTBEAT_KEY, f"{time.time() - 3600:.3f}")
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["bot"] == "stale"
    liveness.beat()
    assert client.get("/readyz").json["bot"] == "ok"


def test_cli_bot_status_exit_codes(app, redis_client):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["bot", "status"])
    assert unknown.exit_code == 2 and "bot: unknown" in unknown.output
    redis_client.set(liveness.HEARTBEAT_KEY, f"{time.time() - 3600:.3f}")
    stale = runner.invoke(args=["bot", "status"])
    assert stale.exit_code == 1 and "bot: stale" in stale.output
    liveness.beat()
    ok = runner.invoke(args=["bot", "status"])
    assert ok.exit_code == 0 and ok.output.startswith("bot: ok")
