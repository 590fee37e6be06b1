"""Teams, members, task lists and tasks: read-only; removing a member goes through the team service
(the last admin stays; the member's open tasks are unassigned and the team is told in realtime)."""

from __future__ import annotations

from flask_admin.actions import action
from flask_babel import lazy_gettext as _l

from app.admin.base import AdminModelView
from app.admin.filters import utc_date_filters
from app.auth.models import User
from app.extensions import db
from app.teams import members as team_members
from app.teams.models import Task, TaskList, Team, TeamMember

LABELS = {
    "name": _l("Name"),
    "description": _l("Description"),
    "created_at": _l("Created"),
    "team_id": _l("Team"),
    "user_id": _l("User"),
    "role": _l("Role"),
    "joined_at": _l("Joined"),
    "created_by": _l("Created by"),
    "list_id": _l("List"),
    "title": _l("Title"),
    "assignee_id": _l("Assignee"),
    "deadline": _l("Deadline"),
    "is_done": _l("Done"),
    "done_at": _l("Done at"),
    "is_overdue": _l("Overdue"),
    "updated_at": _l("Updated"),
}


class TeamView(AdminModelView):
    column_list = ("id", "name", "description", "created_at")
    column_labels = LABELS
    column_searchable_list = ("name",)
    column_filters = utc_date_filters(Team.created_at, _l("Created"))
    column_default_sort = ("id", True)


class TeamMemberView(AdminModelView):
    column_list = ("team_id", "user_id", "role", "joined_at")
    column_labels = LABELS
    column_filters = ("team_id", "user_id", "role")
    column_default_sort = ("joined_at", True)
    can_view_details = False

    @action(
        "remove_members", _l("Remove from team"), _l("Remove the selected members? Their open tasks become unassigned.")
    )
    def action_remove(self, ids):
        def remove(member: TeamMember) -> None:
            # As the member leaving: the service keeps the last-admin rule and unassigns open tasks.
            team_members.remove_member(db.session.get(User, member.user_id), member.team_id, member.user_id)

        self.run_for_each(ids, remove, _l("%(count)s members removed."))


class TaskListView(AdminModelView):
    column_list = ("id", "team_id", "name", "created_by", "created_at")
    column_labels = LABELS
    column_searchable_list = ("name",)
    column_filters = ("team_id",)
    column_default_sort = ("id", True)


class TaskView(AdminModelView):
    column_list = (
        "id",
        "team_id",
        "list_id",
        "title",
        "assignee_id",
        "deadline",
        "is_done",
        "is_overdue",
        "updated_at",
    )
    column_details_list = (
        "id",
        "team_id",
        "list_id",
        "title",
        "description",
        "assignee_id",
        "deadline",
        "is_done",
        "done_at",
        "is_overdue",
        "created_by",
        "created_at",
        "updated_at",
    )
    column_labels = LABELS
    column_searchable_list = ("title",)
    column_filters = (
        "team_id",
        "list_id",
        "assignee_id",
        "is_done",
        "is_overdue",
        *utc_date_filters(Task.deadline, _l("Deadline"), nullable=True),
    )
    column_default_sort = ("id", True)


def register(admin) -> None:
    category = _l("Teams")
    admin.add_view(TeamView(Team, name=_l("Teams"), category=category, endpoint="teams"))
    admin.add_view(TeamMemberView(TeamMember, name=_l("Members"), category=category, endpoint="team_members"))
    admin.add_view(TaskListView(TaskList, name=_l("Task lists"), category=category, endpoint="task_lists"))
    admin.add_view(TaskView(Task, name=_l("Tasks"), category=category, endpoint="tasks"))
