"""The admin's table of contents: one `register(admin)` per domain."""

from __future__ import annotations


def register_views(admin) -> None:
    from app.admin import goals, habits, teams, users

    users.register(admin)
    goals.register(admin)
    habits.register(admin)
    teams.register(admin)
