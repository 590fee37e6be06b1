"""Private iCalendar feed endpoints."""

from flask_smorest import Blueprint

blp = Blueprint("calendar", __name__, url_prefix="/api/v1/calendar", description="Private iCalendar feed")
