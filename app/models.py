"""Every model, imported once so that mappers, relationships and migrations see the whole schema."""

from app.auth.models import AuthSession, User
from app.telegram.models import TelegramLink

__all__ = ["AuthSession", "TelegramLink", "User"]
