"""Building blocks every admin view shares: the guarded index with login/logout, and the read-mostly ModelView."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import SecureForm
from flask_babel import gettext as _
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.admin.auth import current_admin, end_admin_session, start_admin_session
from app.admin.forms import LoginForm, LogoutForm
from app.auth import services as auth_services
from app.auth.throttle import login_attempt
from app.common.csvsafe import safe_cell
from app.common.ratelimit import client_ip
from app.common.timeutil import utcnow
from app.errors import DomainError, RateLimited, Unauthorized, describe
from app.extensions import db

log = logging.getLogger(__name__)


def safe_next(target: str | None) -> str:
    """Only a path inside the admin: never another host (open redirect)."""
    fallback = url_for("admin.index")
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin/") or target.startswith("//"):
        return fallback
    return target


def deny():
    """Anyone without a live superuser session gets the login page (data never leaves)."""
    if request.method == "GET":
        return redirect(url_for("admin.login_view", next=request.full_path.rstrip("?")))
    return redirect(url_for("admin.login_view"))


class KalendarIndexView(AdminIndexView):
    def _handle_view(self, name: str, **kwargs: Any):
        if name in ("login_view", "logout_view"):
            return None
        return super()._handle_view(name, **kwargs)

    def is_accessible(self) -> bool:
        return current_admin() is not None

    def inaccessible_callback(self, name: str, **kwargs: Any):
        return deny()

    @expose("/")
    def index(self):
        return self.render("admin/kalendar/index.html")

    @expose("/login/", methods=("GET", "POST"))
    def login_view(self):
        """Password login for superusers; failures are rate limited like the API's login."""
        target = safe_next(request.args.get("next"))
        if request.method == "GET" and current_admin() is not None:
            return redirect(target)
        form = LoginForm(request.form if request.method == "POST" else None)
        if request.method == "GET":
            return self.render("admin/kalendar/login.html", form=form, error=None)
        if not form.validate():
            return self.render("admin/kalendar/login.html", form=form, error=None), 400
        try:
            with login_attempt(form.username.data, client_ip(), scope="admin") as attempt:
                try:
                    user = auth_services.authenticate(form.username.data, form.password.data)
                except Unauthorized:
                    db.session.rollback()
                    error = _("Invalid username or password.")
                    return self.render("admin/kalendar/login.html", form=form, error=error), 401
                if not user.is_superuser:
                    db.session.rollback()
                    return self.render("admin/kalendar/forbidden.html"), 403
                attempt.succeeded()
        except RateLimited as limited:
            wait = limited.retry_after
            error = _("Too many failed attempts. Try again in %(seconds)s seconds.", seconds=wait)
            return self.render("admin/kalendar/login.html", form=form, error=error), 429, {"Retry-After": str(wait)}
        user.last_login = utcnow()
        db.session.commit()
        start_admin_session(user)
        return redirect(target)

    @expose("/logout/", methods=("POST",))
    def logout_view(self):
        if not LogoutForm(request.form).validate():
            abort(400)
        end_admin_session()
        return redirect(url_for("admin.login_view"))


class AdminModelView(ModelView):
    """Read-only unless a view opts in; CSRF on every form, including list actions and delete buttons."""

    form_base_class = SecureForm
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    can_set_page_size = True
    page_size = 50

    def __init__(self, model, name=None, category=None, endpoint: str = "", **kwargs):
        # Blueprint names share one namespace with the API's ("habits", "teams"): prefix ours, keep the URL.
        super().__init__(
            model, db, name=name, category=category, endpoint=f"admin_{endpoint}", url=f"/admin/{endpoint}", **kwargs
        )

    eager: tuple = ()  # relationships shown on the details page (lists join-load them already)

    def is_accessible(self) -> bool:
        return current_admin() is not None

    def inaccessible_callback(self, name: str, **kwargs: Any):
        return deny()

    def get_export_value(self, model, name):
        """Every admin CSV export: a cell a spreadsheet would run as a formula gets a leading `'`."""
        return safe_cell(super().get_export_value(model, name))

    def get_one(self, id: Any):
        obj = super().get_one(id)
        if obj is not None and self.eager:
            pk = sa_inspect(self.model).primary_key[0]
            db.session.execute(
                select(self.model)
                .where(pk == getattr(obj, pk.key))
                .options(*(selectinload(r) for r in self.eager))
                .execution_options(populate_existing=True)
            ).scalars().all()
        return obj

    # Domain validation on create/edit forms: errors land on the fields, never a 500.
    def domain_errors(self, form, is_created: bool) -> dict[str, list[str]]:
        """Override: the errors the API's schema/service would give for this form, by field."""
        return {}

    def validate_form(self, form) -> bool:
        if not super().validate_form(form):
            return False
        creating = isinstance(form, self._create_form_class)
        if not creating and not isinstance(form, self._edit_form_class):
            return True
        errors = self.domain_errors(form, creating)
        for name, messages in errors.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, *messages]
            else:
                for message in messages:
                    flash(f"{name}: {message}" if name != "_schema" else message, "error")
        return not errors

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, DomainError):
            flash(describe(exc), "error")
            return True
        return super().handle_view_exception(exc)

    def run_for_each(self, ids: list[str], work: Callable[[Any], None], done_message: Any) -> None:
        """Apply a service call to each selected row in one transaction; a DomainError undoes all of them."""
        try:
            count = 0
            for raw_id in ids:
                obj = self.get_one(raw_id)
                if obj is not None:
                    work(obj)
                    count += 1
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(describe(exc), "error")
            return
        flash(str(done_message) % {"count": count}, "success")
