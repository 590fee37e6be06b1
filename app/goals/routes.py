"""Goal planner: boards, categories, goals, comments endpoints (parse → service → commit once → dump)."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from app.auth.current import current_user, token_owner
from app.common.blueprint import Blueprint
from app.common.json import RowsResponse
from app.common.pagination import paginate
from app.common.session import commit_for_response, reads_without_transaction
from app.extensions import db
from app.goals import comments, export, participants, schemas, services

blp = Blueprint("goals", __name__, url_prefix="/api/v1", description="Boards, categories, goals, comments")

PAGE = {"page_size": 20, "max_page_size": 100}
GOAL_ROWS = RowsResponse(schemas.GoalSchema)  # the goal list renders its rows directly (the hottest endpoint)


# --- boards ---------------------------------------------------------------------------------------


@blp.route("/boards")
class BoardViews(MethodView):
    @jwt_required()
    @blp.response(200, schemas.BoardSchema(many=True))
    @blp.paginate(**PAGE)
    def get(self, pagination_parameters):
        """Boards I take part in"""
        rows = paginate(services.boards_stmt(current_user), pagination_parameters, scalars=False)
        return services.with_roles(rows)

    @jwt_required()
    @blp.arguments(schemas.BoardWriteSchema)
    @blp.response(201, schemas.BoardSchema)
    def post(self, data):
        """Create a board (I become its owner)"""
        board = services.create_board(current_user, data)
        db.session.commit()
        return board


@blp.route("/boards/<int:board_id>")
class BoardByIdViews(MethodView):
    @jwt_required()
    @blp.response(200, schemas.BoardSchema)
    @blp.alt_response(404, description="No such board, or not yours to see")
    def get(self, board_id):
        """One board"""
        return services.get_board(current_user, board_id)

    @jwt_required()
    @blp.arguments(schemas.BoardWriteSchema)
    @blp.response(200, schemas.BoardSchema)
    @blp.alt_response(403, description="Owners only")
    def patch(self, data, board_id):
        """Rename a board (owners)"""
        board = services.update_board(current_user, board_id, data)
        db.session.commit()
        return board

    @jwt_required()
    @blp.response(204)
    @blp.alt_response(403, description="Owners only")
    def delete(self, board_id):
        """Delete a board (owners): its categories are deleted and its goals archived"""
        services.delete_board(current_user, board_id)
        db.session.commit()


@blp.route("/boards/<int:board_id>/participants")
class ParticipantViews(MethodView):
    @jwt_required()
    @blp.response(200, schemas.ParticipantSchema(many=True))
    @blp.paginate(**PAGE)
    def get(self, board_id, pagination_parameters):
        """Participants of a board"""
        return paginate(participants.participants_stmt(current_user, board_id), pagination_parameters)

    @jwt_required()
    @blp.arguments(schemas.ParticipantCreateSchema)
    @blp.response(201, schemas.ParticipantSchema)
    @blp.alt_response(409, description="Already a participant")
    def post(self, data, board_id):
        """Add a participant by username (owners)"""
        participant = participants.add_participant(current_user, board_id, data)
        db.session.commit()
        return participant


@blp.route("/boards/<int:board_id>/participants/<int:user_id>")
class ParticipantByIdViews(MethodView):
    @jwt_required()
    @blp.arguments(schemas.ParticipantUpdateSchema)
    @blp.response(200, schemas.ParticipantSchema)
    @blp.alt_response(409, description="The last owner cannot be demoted")
    def patch(self, data, board_id, user_id):
        """Change a participant's role (owners)"""
        participant = participants.update_participant(current_user, board_id, user_id, data)
        db.session.commit()
        return participant

    @jwt_required()
    @blp.response(204)
    @blp.alt_response(409, description="The last owner cannot leave or be removed")
    def delete(self, board_id, user_id):
        """Remove a participant (owners), or leave the board (myself)"""
        participants.remove_participant(current_user, board_id, user_id)
        db.session.commit()


# --- categories -----------------------------------------------------------------------------------


@blp.route("/categories")
class CategoryViews(MethodView):
    @jwt_required()
    @blp.arguments(schemas.CategoryQuerySchema, location="query")
    @blp.response(200, schemas.CategorySchema(many=True))
    @blp.paginate(**PAGE)
    def get(self, args, pagination_parameters):
        """Categories on my boards"""
        return paginate(services.categories_stmt(current_user, args.get("board")), pagination_parameters)

    @jwt_required()
    @blp.arguments(schemas.CategoryCreateSchema)
    @blp.response(201, schemas.CategorySchema)
    def post(self, data):
        """Create a category on a board (writers and owners)"""
        category = services.create_category(current_user, data)
        db.session.commit()
        return category


@blp.route("/categories/<int:category_id>")
class CategoryByIdViews(MethodView):
    @jwt_required()
    @blp.response(200, schemas.CategorySchema)
    def get(self, category_id):
        """One category"""
        return services.get_category(current_user, category_id)

    @jwt_required()
    @blp.arguments(schemas.CategoryUpdateSchema)
    @blp.response(200, schemas.CategorySchema)
    def patch(self, data, category_id):
        """Rename a category (writers and owners)"""
        category = services.update_category(current_user, category_id, data)
        db.session.commit()
        return category

    @jwt_required()
    @blp.response(204)
    def delete(self, category_id):
        """Delete a category (writers and owners); its goals are archived"""
        services.delete_category(current_user, category_id)
        db.session.commit()


# --- goals ----------------------------------------------------------------------------------------


@blp.route("/goals")
class GoalViews(MethodView):
    @reads_without_transaction
    @jwt_required()
    @blp.arguments(schemas.GoalQuerySchema, location="query")
    @blp.response(200, schemas.GoalSchema(many=True))
    @blp.paginate(**PAGE)
    def get(self, filters, pagination_parameters):
        """Goals on my boards, filtered, searched and ordered"""
        return GOAL_ROWS(services.goal_rows(token_owner(), filters, pagination_parameters))

    @jwt_required()
    @blp.arguments(schemas.GoalCreateSchema)
    @blp.response(201, schemas.GoalSchema)
    def post(self, data):
        """Create a goal in a category (writers and owners of its board)"""
        goal = services.create_goal(current_user, data)
        commit_for_response()
        return goal


@blp.route("/goals/export")
class GoalExportView(MethodView):
    @jwt_required()
    @blp.arguments(schemas.GoalExportQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="CSV or JSON file of the goals (attachment)")
    def get(self, args):
        """Export my goals (same filters as the list) as CSV or JSON, streamed"""
        fmt = args.pop("format")
        # visibility fixed here, before streaming starts
        body = export.stream_export(current_user, args, services.viewer_today(current_user), fmt)
        return Response(
            stream_with_context(body),
            content_type=export.CONTENT_TYPES[fmt],
            headers={"Content-Disposition": f"attachment; filename=goals.{fmt}"},
        )


@blp.route("/goals/<int:goal_id>")
class GoalByIdViews(MethodView):
    @jwt_required()
    @blp.response(200, schemas.GoalSchema)
    def get(self, goal_id):
        """One goal (archived ones too)"""
        return services.get_goal(current_user, goal_id)

    @jwt_required()
    @blp.arguments(schemas.GoalUpdateSchema)
    @blp.response(200, schemas.GoalSchema)
    def patch(self, data, goal_id):
        """Edit a goal, or move it to another category (writers and owners)"""
        goal = services.update_goal(current_user, goal_id, data)
        db.session.commit()
        return goal

    @jwt_required()
    @blp.response(204)
    def delete(self, goal_id):
        """Archive a goal (the row stays)"""
        services.archive_goal(current_user, goal_id)
        db.session.commit()


@blp.route("/goals/<int:goal_id>/comments")
class CommentViews(MethodView):
    @jwt_required()
    @blp.response(200, schemas.CommentSchema(many=True))
    @blp.paginate(**PAGE)
    def get(self, goal_id, pagination_parameters):
        """Comments on a goal, newest first"""
        return paginate(comments.comments_stmt(current_user, goal_id), pagination_parameters)

    @jwt_required()
    @blp.arguments(schemas.CommentWriteSchema)
    @blp.response(201, schemas.CommentSchema)
    def post(self, data, goal_id):
        """Comment on a goal (writers and owners)"""
        comment = comments.create_comment(current_user, goal_id, data)
        db.session.commit()
        return comment


@blp.route("/comments/<int:comment_id>")
class CommentByIdViews(MethodView):
    @jwt_required()
    @blp.arguments(schemas.CommentWriteSchema)
    @blp.response(200, schemas.CommentSchema)
    @blp.alt_response(403, description="Only the author")
    def patch(self, data, comment_id):
        """Edit my comment"""
        comment = comments.update_comment(current_user, comment_id, data)
        db.session.commit()
        return comment

    @jwt_required()
    @blp.response(204)
    @blp.alt_response(403, description="Only the author")
    def delete(self, comment_id):
        """Delete my comment"""
        comments.delete_comment(current_user, comment_id)
        db.session.commit()
