"""Teams, task lists and tasks endpoints."""

from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from app.auth.current import current_user, token_owner
from app.common.blueprint import Blueprint
from app.common.json import RowsResponse
from app.common.pagination import paginate
from app.common.session import reads_without_transaction
from app.extensions import db
from app.teams import members, services
from app.teams.schemas import (
    MemberCreateSchema,
    MemberSchema,
    MemberUpdateSchema,
    TaskCreateSchema,
    TaskListSchema,
    TaskListWriteSchema,
    TaskQuerySchema,
    TaskSchema,
    TaskUpdateSchema,
    TeamCreateSchema,
    TeamSchema,
    TeamUpdateSchema,
)

blp = Blueprint("teams", __name__, url_prefix="/api/v1", description="Teams, task lists and tasks")
TASK_ROWS = RowsResponse(TaskSchema)  # a list's tasks render their rows directly (a hot list)


@blp.route("/teams")
class TeamViews(MethodView):
    @jwt_required()
    @blp.response(200, TeamSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """My teams"""
        rows = paginate(services.list_teams_stmt(current_user), pagination_parameters, scalars=False)
        teams = []
        for team, role in rows:
            team.my_role = role
            teams.append(team)
        return teams

    @jwt_required()
    @blp.arguments(TeamCreateSchema)
    @blp.response(201, TeamSchema)
    def post(self, data):
        """Create a team (you become its admin)"""
        team = services.create_team(current_user, data)
        db.session.commit()
        return team


@blp.route("/teams/<int:team_id>")
class TeamByIdViews(MethodView):
    @jwt_required()
    @blp.response(200, TeamSchema)
    def get(self, team_id):
        """One of my teams"""
        return services.get_team(current_user, team_id)

    @jwt_required()
    @blp.arguments(TeamUpdateSchema)
    @blp.response(200, TeamSchema)
    def patch(self, data, team_id):
        """Rename or describe a team (admins)"""
        team = services.update_team(current_user, team_id, data)
        db.session.commit()
        return team

    @jwt_required()
    @blp.response(204)
    def delete(self, team_id):
        """Delete a team with its lists and tasks (admins)"""
        services.delete_team(current_user, team_id)
        db.session.commit()


@blp.route("/teams/<int:team_id>/members")
class MemberViews(MethodView):
    @jwt_required()
    @blp.response(200, MemberSchema(many=True))
    @blp.paginate()
    def get(self, team_id, pagination_parameters):
        """Members of a team"""
        rows = paginate(members.list_members_stmt(current_user, team_id), pagination_parameters, scalars=False)
        return [dict(zip(("user_id", "username", "role", "joined_at"), row, strict=True)) for row in rows]

    @jwt_required()
    @blp.arguments(MemberCreateSchema)
    @blp.response(201, MemberSchema)
    @blp.alt_response(409, description="Already a member")
    def post(self, data, team_id):
        """Add a member by username (admins)"""
        member = members.add_member(current_user, team_id, data)
        db.session.commit()
        return member


@blp.route("/teams/<int:team_id>/members/<int:user_id>")
class MemberByIdViews(MethodView):
    @jwt_required()
    @blp.arguments(MemberUpdateSchema)
    @blp.response(200, MemberSchema)
    @blp.alt_response(409, description="The last admin cannot be demoted")
    def patch(self, data, team_id, user_id):
        """Change a member's role (admins; the last admin cannot be demoted)"""
        member = members.update_member(current_user, team_id, user_id, data)
        db.session.commit()
        return member

    @jwt_required()
    @blp.response(204)
    @blp.alt_response(409, description="The last admin cannot leave or be removed")
    def delete(self, team_id, user_id):
        """Remove a member (admins) or leave (yourself); their open tasks become unassigned"""
        members.remove_member(current_user, team_id, user_id)
        db.session.commit()


@blp.route("/teams/<int:team_id>/lists")
class TaskListViews(MethodView):
    @jwt_required()
    @blp.response(200, TaskListSchema(many=True))
    @blp.paginate()
    def get(self, team_id, pagination_parameters):
        """Task lists of a team"""
        return paginate(services.list_lists_stmt(current_user, team_id), pagination_parameters)

    @jwt_required()
    @blp.arguments(TaskListWriteSchema)
    @blp.response(201, TaskListSchema)
    def post(self, data, team_id):
        """Create a task list (any member)"""
        task_list = services.create_list(current_user, team_id, data)
        db.session.commit()
        return task_list


@blp.route("/lists/<int:list_id>")
class TaskListByIdViews(MethodView):
    @jwt_required()
    @blp.response(200, TaskListSchema)
    def get(self, list_id):
        """One task list"""
        return services.get_task_list(current_user, list_id)[0]

    @jwt_required()
    @blp.arguments(TaskListWriteSchema)
    @blp.response(200, TaskListSchema)
    def patch(self, data, list_id):
        """Rename a task list (admins or its creator)"""
        task_list = services.update_list(current_user, list_id, data)
        db.session.commit()
        return task_list

    @jwt_required()
    @blp.response(204)
    def delete(self, list_id):
        """Delete a task list and its tasks (admins or its creator)"""
        services.delete_list(current_user, list_id)
        db.session.commit()


@blp.route("/lists/<int:list_id>/tasks")
class ListTaskViews(MethodView):
    @reads_without_transaction
    @jwt_required()
    @blp.response(200, TaskSchema(many=True))
    @blp.paginate()
    def get(self, list_id, pagination_parameters):
        """Tasks of a list"""
        return TASK_ROWS(services.list_tasks(token_owner(), list_id, pagination_parameters))

    @jwt_required()
    @blp.arguments(TaskCreateSchema)
    @blp.response(201, TaskSchema)
    def post(self, data, list_id):
        """Create a task (any member); the assignee must be a team member"""
        task = services.create_task(current_user, list_id, data)
        db.session.commit()
        return task


@blp.route("/tasks")
class TaskViews(MethodView):
    @jwt_required()
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """Tasks of all my teams, filtered"""
        return paginate(services.search_tasks_stmt(current_user, filters), pagination_parameters)


@blp.route("/tasks/<int:task_id>")
class TaskByIdViews(MethodView):
    @jwt_required()
    @blp.response(200, TaskSchema)
    def get(self, task_id):
        """One task"""
        return services.get_task(current_user, task_id)[0]

    @jwt_required()
    @blp.arguments(TaskUpdateSchema)
    @blp.response(200, TaskSchema)
    def patch(self, data, task_id):
        """Edit a task (any member); a later deadline re-arms the overdue alert"""
        task = services.update_task(current_user, task_id, data)
        db.session.commit()
        return task

    @jwt_required()
    @blp.response(204)
    def delete(self, task_id):
        """Delete a task (admins or its creator)"""
        services.delete_task(current_user, task_id)
        db.session.commit()


@blp.route("/tasks/<int:task_id>/done")
class TaskDoneView(MethodView):
    @jwt_required()
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Mark a task done (idempotent)"""
        task = services.complete_task(current_user, task_id)
        db.session.commit()
        return task


@blp.route("/tasks/<int:task_id>/reopen")
class TaskReopenView(MethodView):
    @jwt_required()
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Reopen a done task (idempotent)"""
        task = services.reopen_task(current_user, task_id)
        db.session.commit()
        return task
