"""The fake Telegram Bot API server, in-process on a free port, with the app pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes.telegram import FakeTelegram


@pytest.fixture
def fake_telegram(app) -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    previous = app.config["TELEGRAM_API_URL"]
    app.config["TELEGRAM_API_URL"] = fake.url
    try:
        yield fake
    finally:
        app.config["TELEGRAM_API_URL"] = previous
        fake.stop()
