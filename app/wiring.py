"""Connections between packages made in one place (`create_app` calls `connect_signals`): who listens to
which signal, and which jobs run periodically. A package that sends a signal does not know its listeners;
this module, above every domain, is where they meet."""

from __future__ import annotations

from app.auth import jobs as auth_jobs
from app.auth import owner_cache, signals
from app.calendar import services as calendar
from app.calendar.models import CalendarFeed
from app.common.queue import PeriodicJob
from app.events import control
from app.goals import jobs as goal_jobs
from app.goals import services as goals
from app.habits import services as habits
from app.notify import linking
from app.notify.models import TelegramLink
from app.teams import jobs as team_jobs

#: Every periodic job, with its stable id (registered by worker.py at start-up).
PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("goals-overdue", goal_jobs.mark_overdue, every_seconds=60),
    PeriodicJob("tasks-overdue", team_jobs.mark_overdue_tasks, every_seconds=60),
    PeriodicJob("auth-sessions-prune", auth_jobs.prune_ended_sessions, every_seconds=3600),
)


def connect_signals() -> None:
    """Connect every listener (idempotent: blinker connects a receiver once)."""
    signals.user_created.connect(goals.create_personal_board)
    signals.timezone_changed.connect(habits.follow_new_timezone)
    signals.profile_shown.connect(calendar.feed_status)
    signals.profile_shown.connect(linking.telegram_status)
    signals.sessions_revoked.connect(control.recheck_sockets_after_commit)
    # The profile fields above come from these rows: a change must reach the cached profiles at once.
    owner_cache.watch(TelegramLink, owner_cache.Watched("user_id"))
    owner_cache.watch(CalendarFeed, owner_cache.Watched("user_id"))
