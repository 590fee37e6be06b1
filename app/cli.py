"""Operator commands (`flask --help`)."""

from __future__ import annotations

import os

import click
from flask import Flask

from app.auth import services
from app.bot.cli import bot_cli
from app.demo import seed_demo as build
from app.errors import DomainError, describe
from app.extensions import db
from app.goals.cli import goals_cli
from app.habits.cli import reminders_cli


def register_cli(app: Flask) -> None:
    _seed_demo_command(app)
    app.cli.add_command(goals_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(bot_cli)

    @app.cli.command("create-superuser")
    @click.option("--username", help="Username (prompted when missing).")
    @click.option("--email", default=None, help="Email address.")
    def create_superuser(username: str | None, email: str | None) -> None:
        """Create an administrator. Scripts pass the password in SUPERUSER_PASSWORD."""
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
            raise click.ClickException(describe(exc)) from exc
        click.echo(f"Superuser {user.username!r} created (id {user.id}).")


def _seed_demo_command(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option(
        "--password",
        envvar="DEMO_PASSWORD",
        default="kalendar-demo-2026",
        show_default=True,
        help="Password of every demo user (or DEMO_PASSWORD).",
    )
    def seed_demo(password: str) -> None:
        """Demo users (demo, alice, bob), a shared board with goals, habits and a team with tasks."""
        try:
            counts = build(password)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(describe(exc)) from exc
        if counts is None:
            click.echo("Demo data is already there (user 'demo' exists); nothing changed.")
            return
        click.echo(", ".join(f"{value} {key}" for key, value in counts.items()) + "; reminders scheduled.")
        click.echo(f"Log in as demo, alice or bob with the password {password!r}.")
