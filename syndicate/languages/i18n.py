"""gettext catalogs for every string the service itself writes (feeds, payloads).

Catalogs live in ``locales/<catalog>/LC_MESSAGES/syndicate.po`` and are
compiled in memory when first used (and again when the .po changes), so no
committed ``.mo`` file can go stale.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from syndicate.languages.registry import LANGUAGES

DOMAIN = "syndicate"
LOCALES_DIR = Path(os.environ.get("SYNDICATE_LOCALES_DIR", Path(__file__).resolve().parents[2] / "locales"))

_lock = threading.Lock()
_cache: dict[str, tuple[float, NullTranslations]] = {}


def po_path(catalog: str) -> Path:
    return LOCALES_DIR / catalog / "LC_MESSAGES" / f"{DOMAIN}.po"


def translations(language: str) -> NullTranslations:
    """Compiled translations for a public language code (``kmr`` reads ``ku/``)."""
    catalog = LANGUAGES[language].catalog if language in LANGUAGES else language
    path = po_path(catalog)
    mtime = path.stat().st_mtime if path.exists() else -1.0
    with _lock:
        cached = _cache.get(catalog)
        if cached and cached[0] == mtime:
            return cached[1]
        if mtime < 0:
            result: NullTranslations = NullTranslations()
        else:
            with path.open("rb") as fh:
                po = read_po(fh, locale=catalog, domain=DOMAIN)
            buf = io.BytesIO()
            write_mo(buf, po, use_fuzzy=False)
            buf.seek(0)
            result = Translations(buf, domain=DOMAIN)
        _cache[catalog] = (mtime, result)
        return result


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    return translations(language).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message
