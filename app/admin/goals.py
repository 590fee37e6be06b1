"""Goal planner: boards (participants shown inline), participants, categories, goals, comments.

Read-only; the two writes an operator needs go through the goal services: archive a goal (acting as a board
owner, who may always write) and remove a participant (acting as that participant leaving, so the
last-owner rule holds).
"""

from __future__ import annotations

from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual, FilterInList
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from app.admin.base import AdminModelView
from app.admin.filters import utc_date_filters
from app.auth.models import User
from app.extensions import db
from app.goals import participants
from app.goals import services as goal_services
from app.goals.models import PRIORITIES, ROLES, STATUSES, Board, BoardParticipant, Category, Comment, Goal

LABELS = {
    "title": _l("Title"),
    "is_deleted": _l("Deleted"),
    "created_at": _l("Created"),
    "updated_at": _l("Updated"),
    "board_id": _l("Board"),
    "user": _l("User"),
    "role": _l("Role"),
    "author_id": _l("Author"),
    "author": _l("Author"),
    "category_id": _l("Category"),
    "status": _l("Status"),
    "priority": _l("Priority"),
    "start_date": _l("Start date"),
    "due_date": _l("Due date"),
    "description": _l("Description"),
    "goal_id": _l("Goal"),
    "text": _l("Text"),
    "participants": _l("Participants"),
}


def _participants(view, context, board: Board, name: str) -> Markup:
    rows = db.session.execute(
        select(User.username, BoardParticipant.role)
        .join(User, User.id == BoardParticipant.user_id)
        .where(BoardParticipant.board_id == board.id)
        .order_by(BoardParticipant.id)
    ).all()
    return Markup("<br>").join(escape(f"{username} — {role}") for username, role in rows)


class BoardView(AdminModelView):
    column_list = ("id", "title", "is_deleted", "created_at", "updated_at")
    column_details_list = ("id", "title", "is_deleted", "created_at", "updated_at", "participants")
    column_formatters_detail = {"participants": _participants}
    column_labels = LABELS
    column_searchable_list = ("title",)
    column_filters = ("is_deleted", *utc_date_filters(Board.created_at, _l("Created")))
    column_default_sort = ("id", True)


class BoardParticipantView(AdminModelView):
    column_list = ("board_id", "user", "role", "created_at")
    column_labels = LABELS
    column_searchable_list = (User.username,)
    column_filters = (
        "board_id",
        FilterInList(BoardParticipant.role, _l("Role"), options=[(r, r) for r in reversed(ROLES)]),
    )
    column_default_sort = ("id", True)
    can_view_details = False

    @action("remove_participants", _l("Remove from board"), _l("Remove the selected participants?"))
    def action_remove(self, ids):
        def remove(row: BoardParticipant) -> None:
            participants.remove_participant(db.session.get(User, row.user_id), row.board_id, row.user_id)

        self.run_for_each(ids, remove, _l("%(count)s participants removed."))


class CategoryView(AdminModelView):
    column_list = ("id", "title", "board_id", "is_deleted", "created_at")
    column_labels = LABELS
    column_searchable_list = ("title",)
    column_filters = ("board_id", "is_deleted")
    column_default_sort = ("id", True)


class GoalView(AdminModelView):
    column_list = ("id", "title", "board_id", "category_id", "status", "priority", "due_date", "updated_at")
    column_details_list = (
        "id",
        "title",
        "description",
        "board_id",
        "category_id",
        "status",
        "priority",
        "start_date",
        "due_date",
        "author_id",
        "created_at",
        "updated_at",
    )
    column_labels = LABELS
    column_searchable_list = ("title",)
    column_filters = (
        FilterInList(Goal.status, _l("Status"), options=[(s, s) for s in STATUSES]),
        FilterEqual(Goal.priority, _l("Priority"), options=[(p, p) for p in PRIORITIES]),
        "category_id",
        "board_id",
        "due_date",
    )
    column_sortable_list = ("id", "title", "status", "due_date", "updated_at")
    column_default_sort = ("id", True)

    @action("archive_goals", _l("Archive"), _l("Archive the selected goals?"))
    def action_archive(self, ids):
        def archive(goal: Goal) -> None:
            goal_services.archive_goal(participants.acting_owner(goal.board_id), goal.id)

        self.run_for_each(ids, archive, _l("%(count)s goals archived."))


class CommentView(AdminModelView):
    column_list = ("id", "goal_id", "author", "text", "created_at")
    column_labels = LABELS
    column_searchable_list = ("text",)
    column_filters = ("goal_id", *utc_date_filters(Comment.created_at, _l("Created")))
    column_default_sort = ("id", True)


def register(admin) -> None:
    category = _l("Goals")
    admin.add_view(BoardView(Board, name=_l("Boards"), category=category, endpoint="boards"))
    admin.add_view(
        BoardParticipantView(
            BoardParticipant, name=_l("Participants"), category=category, endpoint="board_participants"
        )
    )
    admin.add_view(CategoryView(Category, name=_l("Categories"), category=category, endpoint="categories"))
    admin.add_view(GoalView(Goal, name=_l("Goals"), category=category, endpoint="goals"))
    admin.add_view(CommentView(Comment, name=_l("Comments"), category=category, endpoint="comments"))
