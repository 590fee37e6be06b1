"""`flask goals ...`: operator commands of the goal planner."""

from __future__ import annotations

import sys

import click
import marshmallow as ma
from flask.cli import AppGroup

from app.auth.services import get_user_by_username
from app.goals import export
from app.goals.schemas import EXPORT_FORMATS, ORDERINGS, PRIORITIES, STATUSES, GoalQuerySchema
from app.goals.services import viewer_today

goals_cli = AppGroup("goals", help="Goal planner commands.")


@goals_cli.command("export")
@click.option("--user", "username", required=True, help="Export the goals this user can see.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
@click.option("--status", multiple=True, type=click.Choice(STATUSES), help="Repeatable.")
@click.option("--category", multiple=True, type=int, help="Category id, repeatable.")
@click.option("--priority", multiple=True, type=click.Choice(PRIORITIES), help="Repeatable.")
@click.option("--year", type=int, help="Year of the due date.")
@click.option("--board", type=int, help="Board id.")
@click.option("--due-from", help="YYYY-MM-DD")
@click.option("--due-to", help="YYYY-MM-DD")
@click.option("--search", help="Case-insensitive substring of the title.")
@click.option("--ordering", type=click.Choice(ORDERINGS))
def export_goals(username: str, fmt: str, output: str | None, **options) -> None:
    """Export goals as CSV or JSON, with the same filters as GET /api/v1/goals/export."""
    user = get_user_by_username(username)
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    raw = {key: value for key, value in options.items() if value not in (None, ())}
    try:
        filters = GoalQuerySchema().load({key: list(v) if isinstance(v, tuple) else v for key, v in raw.items()})
    except ma.ValidationError as exc:
        raise click.UsageError(str(exc.messages)) from exc
    today = viewer_today(user)
    if output is None:
        for chunk in export.stream_export(user, filters, today, fmt):
            sys.stdout.write(chunk)
        sys.stdout.flush()
        return
    total = export.count_rows(export.export_stmt(user, filters))
    with (
        open(output, "w", encoding="utf-8", newline="") as handle,
        click.progressbar(length=total, label=f"Exporting {total} goals", file=sys.stderr) as bar,
    ):
        for chunk in export.stream_export(user, filters, today, fmt, on_rows=bar.update):
            handle.write(chunk)
    click.echo(f"Wrote {total} goals to {output}.", err=True)
