"""Maintainer tool: `python -m app.admin.catalog` rewrites and compiles the Russian catalog of the admin.

Strings come from app/admin/ru.py (msgid → Russian); Flask-Admin's own strings use its bundled catalogs.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from app.admin.ru import RU

TARGET = Path(__file__).resolve().parent.parent / "translations" / "ru" / "LC_MESSAGES"


def build() -> None:
    catalog = Catalog(locale="ru", project="kalendar-admin")
    for msgid, msgstr in RU.items():
        catalog.add(msgid, msgstr)
    TARGET.mkdir(parents=True, exist_ok=True)
    with open(TARGET / "messages.po", "wb") as po:
        write_po(po, catalog, omit_header=False, sort_output=True)
    with open(TARGET / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)


if __name__ == "__main__":
    build()
