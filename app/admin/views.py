"""The admin's table of contents: one `register(admin)` per domain."""

from __future__ import annotations


def register_views(admin) -> None:
    from app.admin import users

    users.register(admin)
