"""Every model, imported once so that mappers, relationships and migrations see the whole schema."""

from app.auth.models import AuthSession, User
from app.calendar.models import CalendarFeed
from app.goals import models as goals_models
from app.habits import models as habits_models
from app.notify.models import TelegramLink, VerificationCode
from app.teams import models as teams_models

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
