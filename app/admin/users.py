"""Accounts: users, their API sessions and Telegram links. Passwords only ever go in; no hash ever comes out."""

from __future__ import annotations

import marshmallow as ma
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.model.template import LinkRowAction
from flask_babel import lazy_gettext as _l

from app.admin.auth import current_admin
from app.admin.base import AdminModelView
from app.admin.filters import utc_date_filters
from app.admin.forms import SetPasswordForm, UserCreateForm
from app.auth import services as auth_services
from app.auth.models import AuthSession, User
from app.auth.schemas import ProfileUpdateSchema, SignupSchema
from app.errors import DomainError, describe, field_errors
from app.extensions import db
from app.notify import linking
from app.notify.models import TelegramLink

# Whitelists, not blacklists: a column added to User later (a hash, a token) stays out until listed here.
USER_LIST = ("username", "email", "first_name", "last_name", "is_active", "is_superuser", "date_joined", "last_login")
USER_DETAILS = (
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "timezone",
    "is_active",
    "is_superuser",
    "date_joined",
    "last_login",
)
USER_LABELS = {
    "username": _l("Username"),
    "email": _l("Email"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "is_active": _l("Active"),
    "is_superuser": _l("Superuser"),
    "date_joined": _l("Date joined"),
    "last_login": _l("Last login"),
    "timezone": _l("Time zone"),
    "user": _l("User"),
    "created_at": _l("Created"),
    "refreshed_at": _l("Refreshed"),
    "revoked_at": _l("Revoked"),
    "user_agent": _l("User agent"),
    "chat_id": _l("Chat id"),
    "telegram_user_id": _l("Telegram user id"),
    "language_code": _l("Language"),
    "blocked_at": _l("Blocked the bot at"),
}


class UserView(AdminModelView):
    can_create = True
    can_edit = True
    can_export = True
    column_list = USER_LIST
    column_details_list = USER_DETAILS
    column_export_list = USER_DETAILS
    column_labels = USER_LABELS
    column_searchable_list = ("username", "email", "first_name", "last_name")
    column_filters = ("is_active", "is_superuser", *utc_date_filters(User.date_joined, _l("Date joined")))
    column_default_sort = ("date_joined", True)
    # Editable: what the profile API allows, plus the superuser flag. Activity goes through actions
    # (deactivating revokes tokens); passwords through the "set password" page.
    form_columns = ("email", "first_name", "last_name", "timezone", "is_superuser")
    column_extra_row_actions = [
        LinkRowAction("fa fa-key", "password/{row_id}/", title=_l("Set password")),
    ]

    def get_create_form(self):
        return UserCreateForm

    def domain_errors(self, form, is_created: bool) -> dict[str, list[str]]:
        if is_created:
            data = {
                "username": form.username.data or "",
                "password": form.password.data or "",
                "password_repeat": form.password.data or "",
                "email": form.email.data or "",
                "first_name": form.first_name.data or "",
                "last_name": form.last_name.data or "",
            }
            errors = _schema_errors(SignupSchema(), data)
            if not errors:
                try:
                    auth_services.check_password_strength(data["password"], data)
                except DomainError as exc:
                    errors = field_errors(exc)
            return errors
        data = {
            "email": form.email.data or "",
            "first_name": form.first_name.data or "",
            "last_name": form.last_name.data or "",
            "timezone": form.timezone.data or "",
        }
        return _schema_errors(ProfileUpdateSchema(), data)

    def create_model(self, form):
        """Through the signup service, so every new account gets what signup gives (the personal board...)."""
        try:
            user = auth_services.create_user(
                username=form.username.data.strip(),
                password=form.password.data,
                email=form.email.data or "",
                first_name=form.first_name.data or "",
                last_name=form.last_name.data or "",
                is_superuser=bool(form.is_superuser.data),
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(describe(exc), "error")
            return False
        return user

    def on_model_change(self, form, model, is_created):
        if not is_created:
            model.email = (model.email or "").strip()
            model.first_name = (model.first_name or "").strip()
            model.last_name = (model.last_name or "").strip()

    @action("deactivate", _l("Deactivate"), _l("Deactivate the selected users and revoke their tokens?"))
    def action_deactivate(self, ids):
        me = current_admin()
        ids = [i for i in ids if not (me and str(me.id) == str(i))]  # an admin cannot lock themselves out here
        self.run_for_each(ids, lambda user: auth_services.set_active(user, False), _l("%(count)s users deactivated."))

    @action("activate", _l("Activate"))
    def action_activate(self, ids):
        self.run_for_each(ids, lambda user: auth_services.set_active(user, True), _l("%(count)s users activated."))

    @expose("/password/<int:user_id>/", methods=("GET", "POST"))
    def set_password_view(self, user_id: int):
        """Set a user's password through the same strength rules; every session of the user ends."""
        user = db.session.get(User, user_id)
        if user is None:
            abort(404)
        form = SetPasswordForm(request.form if request.method == "POST" else None)
        status = 200
        if request.method == "POST":
            if form.validate():
                try:
                    auth_services.set_password(user, form.password.data)
                    db.session.commit()
                except DomainError as exc:
                    db.session.rollback()
                    for message in field_errors(exc).get("password", [exc.message]):
                        form.password.errors = [*form.password.errors, message]
                else:
                    flash(
                        str(_l("The password of %(username)s was changed; their sessions ended."))
                        % {"username": user.username},
                        "success",
                    )
                    return redirect(url_for(".details_view", id=user.id))
            status = 400 if form.csrf_token.errors else 422
        return self.render(
            "admin/kalendar/set_password.html", form=form, user=user, return_url=url_for(".index_view")
        ), status


def _schema_errors(schema: ma.Schema, data: dict) -> dict[str, list[str]]:
    try:
        schema.load(data)
    except ma.ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return {
            field: [str(m) for m in msgs] if isinstance(msgs, list) else [str(msgs)] for field, msgs in messages.items()
        }
    return {}


class AuthSessionView(AdminModelView):
    """API logins (token families). Read-only; revoking kills the access and refresh token together."""

    column_list = ("user", "created_at", "refreshed_at", "revoked_at", "user_agent")
    column_details_list = ("id", "user", "created_at", "refreshed_at", "revoked_at", "user_agent")
    column_labels = USER_LABELS
    column_filters = (
        *utc_date_filters(AuthSession.revoked_at, _l("Revoked"), nullable=True),
        *utc_date_filters(AuthSession.created_at, _l("Created")),
    )
    column_searchable_list = ("user.username",)
    column_default_sort = ("created_at", True)
    eager = (AuthSession.user,)

    @action("revoke", _l("Revoke"), _l("Revoke the selected sessions?"))
    def action_revoke(self, ids):
        self.run_for_each(ids, lambda s: auth_services.revoke_session(s.id), _l("%(count)s sessions revoked."))


class TelegramLinkView(AdminModelView):
    """Linked chats: chat ids are read-only; unlinking goes through the linking service."""

    column_list = ("user", "username", "chat_id", "language_code", "blocked_at", "created_at")
    column_details_list = (
        "id",
        "user",
        "username",
        "chat_id",
        "telegram_user_id",
        "language_code",
        "blocked_at",
        "created_at",
    )
    column_labels = USER_LABELS
    column_searchable_list = ("username",)
    column_filters = (*utc_date_filters(TelegramLink.blocked_at, _l("Blocked the bot at"), nullable=True),)
    column_default_sort = ("created_at", True)
    eager = (TelegramLink.user,)

    @action("unlink", _l("Unlink"), _l("Unlink the selected chats?"))
    def action_unlink(self, ids):
        self.run_for_each(ids, lambda link: linking.unlink(link.user), _l("%(count)s chats unlinked."))


def register(admin) -> None:
    category = _l("Accounts")
    admin.add_view(UserView(User, name=_l("Users"), category=category, endpoint="users"))
    admin.add_view(AuthSessionView(AuthSession, name=_l("Sessions"), category=category, endpoint="sessions"))
    admin.add_view(
        TelegramLinkView(TelegramLink, name=_l("Telegram links"), category=category, endpoint="telegram_links")
    )
