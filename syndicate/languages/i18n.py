"""gettext catalogs for every string the service itself writes (feeds, payloads).

Catalogs live in ``locales/<catalog>/LC_MESSAGES/syndicate.po`` (Kurmanji in
``ku/``: Babel resolves neither ``kmr`` nor ``ku_TR`` to a ``kmr/`` folder) and
are compiled in memory when first used, and again when the .po changes, so no
committed ``.mo`` file can go stale. The plural rule comes from each catalog's
``Plural-Forms`` header; ``syndicate i18n check`` compares it with CLDR.

A checkout (and an editable install) reads ``locales/`` at the top of the
repository; a wheel carries a copy as ``syndicate/_locales/`` (``setup.py``
copies it at build time); ``SYNDICATE_LOCALES_DIR`` overrides both. A
registered language without a catalog is an error, logged and raised: falling
back to the English msgids would publish English in a Sorani feed unnoticed.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from syndicate.errors import CatalogMissing
from syndicate.languages.registry import LANGUAGES

DOMAIN = "syndicate"
REPO_LOCALES = Path(__file__).resolve().parents[2] / "locales"
PACKAGED_LOCALES = Path(__file__).resolve().parents[1] / "_locales"
log = logging.getLogger("syndicate.i18n")


def locales_dir() -> Path:
    """Where the catalogs are: the setting, else the repository's ``locales/``, else the wheel's copy."""
    configured = os.environ.get("SYNDICATE_LOCALES_DIR")
    if configured:
        return Path(configured)
    # The template marks the repository folder (an installed package's parents hold no such file).
    return REPO_LOCALES if (REPO_LOCALES / f"{DOMAIN}.pot").exists() else PACKAGED_LOCALES


LOCALES_DIR = locales_dir()

_lock = threading.Lock()
_cache: dict[Path, tuple[float, NullTranslations]] = {}
_reported: set[Path] = set()


def catalog_name(language: str) -> str:
    """The catalog folder of a public language code (``kmr`` → ``ku``)."""
    return LANGUAGES[language].catalog if language in LANGUAGES else language


def po_path(catalog: str) -> Path:
    return LOCALES_DIR / catalog / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(catalog: str) -> Catalog:
    with po_path(catalog).open("rb") as fh:
        return read_po(fh, locale=None, domain=DOMAIN)


def compile_catalog(catalog: Catalog) -> Translations:
    """A catalog compiled in memory (fuzzy entries left out, as msgfmt does)."""
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def translations(language: str) -> NullTranslations:
    """Compiled translations for a public language code.

    A language outside the registry gets the msgids themselves; a registered
    language without its catalog raises :class:`CatalogMissing` (logged once
    per missing file at ERROR), never a silent English fallback.
    """
    path = po_path(catalog_name(language))
    mtime = path.stat().st_mtime if path.exists() else -1.0
    if mtime < 0 and language in LANGUAGES:
        _missing(language, path)
    with _lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        result = compile_catalog(read_catalog(catalog_name(language))) if mtime >= 0 else NullTranslations()
        _cache[path] = (mtime, result)
        return result


def _missing(language: str, path: Path) -> None:
    message = (
        f"no gettext catalog for {language!r} at {path} (not falling back to English): "
        "install a wheel built with its catalogs, or set SYNDICATE_LOCALES_DIR"
    )
    with _lock:
        first = path not in _reported
        _reported.add(path)
    if first:
        log.error(message)
    raise CatalogMissing(message)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    return translations(language).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural pair for extraction; translate with ``ngettext(lang, *pair, n)``."""
    return singular, plural


def language_name(code: str, in_language: str) -> str:
    """The name of language ``code`` written in ``in_language``.

    From the catalogs (msgid = the registry's English name); for a language the
    catalogs do not know yet, CLDR's display name, so adding a language does not
    require touching every other catalog first.
    """
    lang = LANGUAGES[code]
    name = gettext(in_language, lang.english_name)
    if name != lang.english_name or catalog_name(in_language) == "en":
        return name
    target = LANGUAGES[in_language].babel_locale if in_language in LANGUAGES else in_language
    display = Locale.parse(lang.babel_locale).get_display_name(Locale.parse(target))
    return display or name
