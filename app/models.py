"""Every model, imported once so that mappers, relationships and migrations see the whole schema."""

from app.auth.models import AuthSession, User
from app.calendar.models import CalendarFeed
from app.goals import models as goals_models
from app.habits import models as habits_models
from app.teams import models as teams_models
from app.telegram.models import TelegramLink, VerificationCode

__all__ = [
    "AuthSession",
    "TelegramLink",
    "User",
    "VerificationCode",
    "CalendarFeed",
    "goals_models",
    "habits_models",
    "teams_models",
]
