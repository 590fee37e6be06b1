"""The request's authenticated user, for views: `current_user` (the Session's `User`) and `token_owner()`.

flask-jwt-extended keeps what `app.auth.tokens` looked up for the token, a `TokenOwner`: the user's columns,
without an ORM instance. `current_user` is that owner's `User`, put into the Session on first use, for
everything that loads, changes or relates to the user. `token_owner()` is the owner itself, for the hot reads
that need only the user's columns (a list's page, `/auth/me`): they skip the Session's work entirely. Views
import these, never flask-jwt-extended's `current_user` or `get_current_user` (ruff's banned-api rule).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask_jwt_extended import get_current_user  # noqa: TID251  (the one place that reads it)
from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from app.auth.models import TokenOwner, User


def token_owner() -> TokenOwner:
    """The owner of the request's verified token (inside `jwt_required` views only)."""
    return get_current_user()


current_user = cast("User", LocalProxy(lambda: token_owner().user))
