"""The in-process bot the handler tests hand updates to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from telebot import TeleBot, apihelper

from app.bot.poller import build_bot


@pytest.fixture
def bot(app, fake_telegram) -> Iterator[TeleBot]:
    """The bot as bot.py builds it, talking to the fake Bot API; the library's global API URL is put back."""
    previous = apihelper.API_URL
    built = build_bot(app)
    yield built
    apihelper.API_URL = previous
