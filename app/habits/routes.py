"""Atomic Habits tracker endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("habits", __name__, url_prefix="/api/v1", description="Atomic Habits tracker")
