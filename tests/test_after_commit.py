"""The one after-commit hook: runs on commit, drops on rollback, never turns a failure into an error."""

from __future__ import annotations

import logging

import pytest

from app.common.after_commit import after_commit, held, run_actions
from app.extensions import db


def test_actions_run_in_order_once_the_transaction_commits():
    ran: list[str] = []
    after_commit(lambda: ran.append("a"), "a")
    after_commit(lambda: ran.append("b"), "b")
    assert ran == []
    db.session.commit()
    assert ran == ["a", "b"]
    db.session.commit()
    assert ran == ["a", "b"]  # once


def test_a_rollback_drops_the_actions():
    ran: list[str] = []
    after_commit(lambda: ran.append("a"), "a")
    db.session.rollback()
    db.session.commit()
    assert ran == []


def test_a_rolled_back_savepoint_drops_only_its_own_actions():
    ran: list[str] = []
    after_commit(lambda: ran.append("outer"), "outer")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        after_commit(lambda: ran.append("inner"), "inner")
        raise RuntimeError
    with db.session.begin_nested():
        after_commit(lambda: ran.append("kept"), "kept")
    db.session.commit()
    assert ran == ["outer", "kept"]


def test_a_failing_action_is_logged_and_the_others_still_run(caplog):
    ran: list[str] = []

    def broken() -> None:
        raise ConnectionError("redis is down")

    after_commit(broken, "schedule something")
    after_commit(lambda: ran.append("next"), "next")
    with caplog.at_level(logging.ERROR, logger="app.common.after_commit"):
        db.session.commit()  # does not raise
    assert ran == ["next"]
    assert "schedule something failed" in caplog.text


def test_held_actions_wait_for_the_runner():
    ran: list[str] = []
    with held() as actions:
        after_commit(lambda: ran.append("a"), "a")
        db.session.commit()
        assert ran == []
    assert [a.label for a in actions] == ["a"]
    run_actions(actions)
    assert ran == ["a"]
