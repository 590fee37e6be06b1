"""Habits: read-only (an admin edit could break the five rules); deleting goes through the habit service."""

from __future__ import annotations

from flask_admin.actions import action
from flask_babel import lazy_gettext as _l

from app.admin.base import AdminModelView
from app.admin.filters import utc_date_filters
from app.auth.models import User
from app.extensions import db
from app.habits import services as habit_services
from app.habits.models import Habit, HabitCompletion

LABELS = {
    "owner": _l("Owner"),
    "owner.username": _l("Owner"),
    "action": _l("Action"),
    "place": _l("Place"),
    "time": _l("Time"),
    "periodicity_days": _l("Every N days"),
    "duration_seconds": _l("Duration, s"),
    "is_pleasant": _l("Pleasant"),
    "is_public": _l("Public"),
    "reward": _l("Reward"),
    "related_habit_id": _l("Related habit"),
    "next_reminder_at": _l("Next reminder"),
    "created_at": _l("Created"),
    "habit_id": _l("Habit"),
    "date": _l("Date"),
}


class HabitView(AdminModelView):
    column_list = (
        "id",
        "owner",
        "action",
        "place",
        "time",
        "periodicity_days",
        "is_pleasant",
        "is_public",
        "next_reminder_at",
    )
    column_details_list = (
        "id",
        "owner",
        "action",
        "place",
        "time",
        "periodicity_days",
        "duration_seconds",
        "is_pleasant",
        "related_habit_id",
        "reward",
        "is_public",
        "next_reminder_at",
        "anchor_date",
        "created_at",
    )
    column_labels = LABELS
    column_searchable_list = ("action", "place", User.username)
    column_filters = ("is_pleasant", "is_public", User.username, *utc_date_filters(Habit.created_at, _l("Created")))
    column_default_sort = ("id", True)
    eager = (Habit.owner,)

    @action("delete_habits", _l("Delete"), _l("Delete the selected habits? Links to them are cleared."))
    def action_delete(self, ids):
        """As the owner would: the service clears links to a pleasant habit in the same transaction."""

        def delete(habit: Habit) -> None:
            habit_services.delete_habit(db.session.get(User, habit.owner_id), habit.id)

        self.run_for_each(ids, delete, _l("%(count)s habits deleted."))


class HabitCompletionView(AdminModelView):
    column_list = ("habit_id", "date", "created_at")
    column_labels = LABELS
    column_filters = ("habit_id", "date")
    column_default_sort = ("date", True)


def register(admin) -> None:
    category = _l("Habits")
    admin.add_view(HabitView(Habit, name=_l("Habits"), category=category, endpoint="habits"))
    admin.add_view(
        HabitCompletionView(HabitCompletion, name=_l("Completions"), category=category, endpoint="habit_completions")
    )
