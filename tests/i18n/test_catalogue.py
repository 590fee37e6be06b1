"""The one catalogue: every string marked in app/ has its Russian, and the compiled .mo matches the .po."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "app" / "translations" / "ru" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None, "Nn_": (1, 2)}
METHODS = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]


def _marked() -> dict[str, str]:
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, comment_tags=()
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found[msgid] = f"{filename}:{lineno}"
    return found


def _po():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return read_po(handle, locale="ru")


def test_every_marked_string_has_a_russian_translation():
    catalogue = _po()
    missing = {
        msgid: where
        for msgid, where in _marked().items()
        if (entry := catalogue.get(msgid)) is None or not all(entry.string if entry.pluralizable else [entry.string])
    }
    assert missing == {}, "add them to messages.po, then `pybabel compile -d app/translations`"


def test_the_compiled_catalogue_matches_the_po():
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    written = {_key(m.id): _key(m.string) for m in _po() if m.id and not m.fuzzy}
    assert compiled == written, "run `pybabel compile -d app/translations`"


def test_the_bot_and_reminder_texts_are_marked():
    """Extraction sees the message tables (a string outside N_() would silently stay English)."""
    marked = _marked()
    assert "I will %(action)s at %(time)s in %(place)s" in marked
    assert "New task for you" in marked


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value
