"""Linking a Telegram chat endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("telegram", __name__, url_prefix="/api/v1/bot", description="Linking a Telegram chat")
