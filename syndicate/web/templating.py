"""Server-rendered HTML: one Jinja2 environment for every page the service shows people.

Templates are translated through the same gettext catalogs as the feeds
(``syndicate.languages.i18n``). The translations are passed per render, in the
template context, never installed on the shared environment: one process renders
Sorani and English pages at the same time, so global gettext callables would let
one request's language leak into another's.

Each web feature (reader pages, the desk) keeps its templates in a folder of its
own and registers it here with a prefix: ``register_templates("desk", path)`` makes
``desk/job.html`` resolve to ``path/job.html``; ``base/...`` is this package's
shared layout.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from syndicate.languages.i18n import translations
from syndicate.languages.registry import LANGUAGES

__all__ = ["STATIC_DIR", "STATIC_PREFIX", "direction", "environment", "lang_attrs", "register_templates", "render"]

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
STATIC_PREFIX = "/static"  # where the app mounts STATIC_DIR

_lock = threading.Lock()
_folders: dict[str, Path] = {"base": HERE / "templates"}
_env: Environment | None = None


def register_templates(prefix: str, folder: Path) -> None:
    """Make ``prefix/<name>`` resolve to ``folder/<name>`` (a feature's own templates)."""
    global _env
    with _lock:
        if _folders.get(prefix) not in (None, folder):
            raise ValueError(f"template prefix {prefix!r} is already registered for {_folders[prefix]}")
        _folders[prefix] = folder
        _env = None  # rebuilt with the new loader on next use


def direction(language: str) -> str:
    """``rtl`` or ``ltr`` for a public language code (unknown codes are left to right)."""
    lang = LANGUAGES.get(language)
    return lang.direction if lang else "ltr"


def lang_attrs(language: str, page_language: str | None = None) -> Markup:
    """``lang``/``dir`` attributes for an element in ``language``.

    Empty when the element's language is the page's own: attributes repeat only
    where the language changes, as HTML's inheritance intends.
    """
    if page_language is not None and language == page_language:
        return Markup("")
    lang = LANGUAGES.get(language)
    tag = lang.bcp47 if lang else language
    return Markup(' lang="{}" dir="{}"').format(tag, direction(language))


def _build() -> Environment:
    loader: BaseLoader = PrefixLoader({p: FileSystemLoader(str(f)) for p, f in _folders.items()})
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(("html", "xml"), default_for_string=True),
        undefined=StrictUndefined,  # a misspelt variable is an error in the tests, not an empty string on a page
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(static=STATIC_PREFIX, lang_attrs=lang_attrs, direction=direction)
    return env


def environment() -> Environment:
    global _env
    with _lock:
        if _env is None:
            _env = _build()
        return _env


def render(template: str, language: str, **context: Any) -> str:
    """Render ``template`` with the interface translated into ``language``."""
    catalog = translations(language)
    context.setdefault("page_language", language)
    context.setdefault("page_dir", direction(language))
    context.setdefault("page_tag", LANGUAGES[language].bcp47 if language in LANGUAGES else language)
    return (
        environment()
        .get_template(template)
        .render(
            gettext=catalog.gettext,
            ngettext=catalog.ngettext,
            _=catalog.gettext,
            pgettext=catalog.pgettext,
            **context,
        )
    )
