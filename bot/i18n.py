"""Texts of the Telegram channel in Spanish and English: gettext catalogs under bot/locales.

The `.po` files are the source; they are compiled to `.mo` (with Babel) into `.data/locales`
when the catalogs change, and aiogram's `I18n` reads them from there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE = Path(__file__).resolve().parent / "locales"
DOMAIN = "marketbot"
LANGUAGES = ("es", "en")


def compile_catalogs(target: Path) -> Path:
    """Compile every `.po` under bot/locales into `target` (only when newer)."""
    for po_path in SOURCE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo_path = target / po_path.relative_to(SOURCE).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parts[-3])
        temporary = mo_path.with_suffix(".tmp")
        with temporary.open("wb") as out:
            write_mo(out, catalog)
        shutil.move(temporary, mo_path)  # atomic: two processes may compile at once
    return target


def create_i18n(cache_dir: Path, default_language: str = "es") -> I18n:
    return I18n(path=compile_catalogs(cache_dir), default_locale=default_language,
                domain=DOMAIN)


def pick_language(code: str | None, default: str = "es") -> str:
    code = (code or "").lower()
    for language in LANGUAGES:
        if code.startswith(language):
            return language
    return default
