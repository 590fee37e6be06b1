"""Goal planner: boards, categories, goals, comments endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("goals", __name__, url_prefix="/api/v1", description="Boards, categories, goals, comments")
