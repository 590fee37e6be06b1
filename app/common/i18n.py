"""One catalogue for everything a person reads: gettext through Flask-Babel, `app/translations/<lang>`.

* Source strings are English, marked where they are written (`gettext`/`_`, `lazy_gettext`/`_l` in the admin,
  `N_`/`Nn_` in tables such as `app.notify.texts`); `app/translations/ru/LC_MESSAGES/messages.po` holds the
  Russian, compiled to `messages.mo` (see README "Translations"). A test fails when a marked string has no
  translation or the compiled catalogue is older than the `.po`.
* The language is chosen per recipient: the admin's by the browser (Accept-Language, English by default),
  a Telegram chat's by the chat's language (`chat_language`: English for "en…", Russian otherwise — the bot's
  audience); jobs render a message in its recipient's language with `translate`.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, force_locale, gettext, ngettext

LANGUAGES = ("en", "ru")
CHAT_DEFAULT = "ru"


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional name for "mark, translate later")
    """Mark a message for the catalogue without translating it yet."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802
    """Mark a message with a plural form for the catalogue (translated later with a count)."""
    return singular, plural


def select_locale() -> str:
    """The browser's preferred language among ours (Accept-Language), English otherwise."""
    try:
        return request.accept_languages.best_match(LANGUAGES) or "en"
    except RuntimeError:  # outside a request (CLI, worker, bot): `translate` forces the recipient's language
        return "en"


def init_i18n(app: Flask) -> None:
    if "babel" not in app.extensions:
        Babel(app, locale_selector=select_locale)  # catalogues in app/translations


def chat_language(code: str | None) -> str:
    """A Telegram language code (`en-GB`, `ru`, None) as one of ours."""
    return "en" if (code or "").lower().startswith("en") else CHAT_DEFAULT


def translate(lang: str, message: str | tuple[str, str], num: int | None = None, **values: object) -> str:
    """`message` (a marked msgid, or a (singular, plural) pair picked by `num`) in `lang`, formatted."""
    with force_locale(lang):
        if isinstance(message, tuple):
            return ngettext(message[0], message[1], num, **values)
        return gettext(message, **values)
