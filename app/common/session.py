"""Commit helpers for routes."""

from __future__ import annotations

from app.extensions import db


def commit_for_response() -> None:
    """Commit without expiring the session's objects, so that the response is dumped from the row just
    written instead of re-reading it: with expire_on_commit every dumped object costs one more SELECT (and
    a transaction) after the commit. For a route's last commit only, when nothing else changes those rows
    in the same request (columns filled by the database, not Python, still load lazily when read).
    """
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous
