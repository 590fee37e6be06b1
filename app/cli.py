"""Operator commands (`flask --help`)."""

from __future__ import annotations

import os

import click
from flask import Flask

from app.errors import DomainError
from app.extensions import db


def register_cli(app: Flask) -> None:
    from app.goals.cli import goals_cli
    from app.habits.cli import reminders_cli
    from app.telegram.cli import bot_cli

    app.cli.add_command(goals_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(bot_cli)

    @app.cli.command("create-superuser")
    @click.option("--username", help="Username (prompted when missing).")
    @click.option("--email", default=None, help="Email address.")
    def create_superuser(username: str | None, email: str | None) -> None:
        """Create an administrator. Scripts pass the password in SUPERUSER_PASSWORD."""
        from app.auth import services

        scripted = username is not None
        username = username or click.prompt("Username")
        if email is None:
            email = "" if scripted else click.prompt("Email", default="", show_default=False)
        password = os.environ.get("SUPERUSER_PASSWORD", "")
        if not password:
            if scripted and not os.isatty(0):
                raise click.UsageError("set SUPERUSER_PASSWORD when running without a terminal")
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            services.check_password_strength(password, {"username": username, "email": email})
            user = services.create_user(username=username, password=password, email=email, is_superuser=True)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(_describe(exc)) from exc
        click.echo(f"Superuser {user.username!r} created (id {user.id}).")


def _describe(exc: DomainError) -> str:
    errors = (exc.errors or {}).get("json") or {}
    details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
    return f"{exc.message} {details}".strip()
