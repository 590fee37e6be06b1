"""Teams, task lists and tasks endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("teams", __name__, url_prefix="/api/v1", description="Teams, task lists and tasks")
