"""The admin site at /admin/ (Flask-Admin): superusers only, a server-side session separate from the JWT API.

Every write goes through the domain services or runs the same validation as the API; everything else is
read-only. Views per domain live in their own module; `init_admin(app)` wires them together.
"""

from __future__ import annotations

from flask import Flask, request
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel, refresh

from app.admin import goals, habits, teams, users
from app.admin.auth import current_admin
from app.admin.base import KalendarIndexView
from app.admin.forms import LogoutForm

LANGUAGES = ("en", "ru")


def select_locale() -> str:
    """The browser's preferred language among ours (Accept-Language), English otherwise."""
    try:
        return request.accept_languages.best_match(LANGUAGES) or "en"
    except RuntimeError:  # outside a request (CLI, worker)
        return "en"


def init_admin(app: Flask) -> Admin:
    if "babel" not in app.extensions:
        Babel(app, locale_selector=select_locale)  # catalogs in app/translations
    admin = Admin(
        app,
        name="Kalendar",
        url="/admin",
        index_view=KalendarIndexView(url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="admin/kalendar/base.html", fluid=True),
    )
    for module in (users, goals, habits, teams):  # the admin's table of contents: one register() per domain
        module.register(admin)
    app.jinja_env.globals.update(kalendar_admin_user=current_admin, kalendar_logout_form=LogoutForm)

    @app.before_request
    def admin_locale():
        if request.path.startswith("/admin"):
            refresh()  # the locale is chosen per request, even when an app context outlives one

    @app.after_request
    def admin_no_store(response):
        if request.path.startswith("/admin"):
            response.headers["Cache-Control"] = "no-store"
        return response

    return admin
