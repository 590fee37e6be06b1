"""`flask bot status`: is the bot process polling? (exit 0 ok, 1 stale, 2 unknown)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.bot import liveness

bot_cli = AppGroup("bot", help="The Telegram bot process.")


@bot_cli.command("status")
def status() -> None:
    """Report the bot's heartbeat; exits non-zero when it is stale or unknown."""
    state, age = liveness.status()
    click.echo(f"bot: {state}" + (f" (last heartbeat {age:.0f}s ago)" if age is not None else ""))
    if state != "ok":
        raise SystemExit(1 if state == "stale" else 2)
