"""Presence: a heartbeat keeps a user online for PRESENCE_TTL; the last socket closing ends it."""

from __future__ import annotations

import time

import pytest

from app.events import presence


@pytest.fixture
def short_ttl(app):
    previous = app.config["PRESENCE_TTL"]
    app.config["PRESENCE_TTL"] = 0.3
    yield
    app.config["PRESENCE_TTL"] = previous


def test_presence_expires_after_the_last_heartbeat(short_ttl):
    presence.touch(7, "a")
    assert presence.is_online(7)
    time.sleep(0.2)
    presence.touch(7, "a")  # heartbeat
    time.sleep(0.2)
    assert presence.is_online(7)
    time.sleep(0.2)
    assert not presence.is_online(7)


def test_closing_one_of_two_sockets_keeps_the_user_online(app):
    presence.touch(8, "a")
    presence.touch(8, "b")
    presence.leave(8, "a")
    assert presence.is_online(8)
    presence.leave(8, "b")
    assert not presence.is_online(8)
    assert not presence.is_online(9)
