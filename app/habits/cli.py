"""`flask reminders ...`: operator commands for habit reminders."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from app.habits.reminders import sync_reminders

reminders_cli = AppGroup("reminders", help="Habit reminder jobs.")


@reminders_cli.command("sync")
def sync() -> None:
    """Rebuild every reminder job from the database (after a Redis loss, or any time)."""
    started = time.monotonic()
    count = sync_reminders()
    click.echo(f"Rebuilt {count} reminder jobs in {time.monotonic() - started:.2f}s.")
