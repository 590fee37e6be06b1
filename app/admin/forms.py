"""Admin forms. All of them derive from Flask-Admin's SecureForm: a CSRF token bound to the session."""

from __future__ import annotations

from flask_admin.form import SecureForm
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional


class LoginForm(SecureForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=150)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=128)])


class LogoutForm(SecureForm):
    pass


class SetPasswordForm(SecureForm):
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=128)])
    password_repeat = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )


class UserCreateForm(SecureForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=150)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=150)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=150)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=128)])
    is_superuser = BooleanField(_l("Superuser"))
