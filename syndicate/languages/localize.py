"""Localized renditions: what readers and partners see of one article version.

Dates go through Babel in the language's locale, with month names from the
format context (``MMMM``) only; digits are written in the language's editorial
style afterwards, because no Babel call writes Arabic-Indic digits. Datelines,
section names and tags come from the glossary and the catalogs. Direction is
markup: ``lang``/``dir`` on the body, ``<bdi>`` around opposite-direction runs
in HTML headlines; plain-text fields stay plain.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import nh3
from babel import Locale
from babel.dates import format_date, format_time

from syndicate.languages import i18n
from syndicate.languages.glossary import Glossary, get_glossary
from syndicate.languages.messages import PHOTO_CREDIT, SECTION_LABELS, STORY_COUNT, UPDATED_ON
from syndicate.languages.normalize import normalize
from syndicate.languages.registry import Language, get_language
from syndicate.languages.script import isolate_html, localize_digits, map_html_text
from syndicate.languages.slugs import slugify

# Text in single quotes is literal in CLDR patterns; outside it, L is the stand-alone month.
_PATTERN_PARTS = re.compile(r"('[^']*')|L")


def format_context(pattern: str) -> str:
    """``pattern`` with stand-alone months (``LLLL``) turned into format months (``MMMM``).

    Babel's stand-alone month names depend on which locales the process used
    before (python-babel #1234); the format context is unaffected.
    """
    return _PATTERN_PARTS.sub(lambda m: m.group(1) or "M", pattern)


def _pattern(lang: Language, kind: str, name: str) -> str:
    locale = Locale.parse(lang.babel_locale)
    table = locale.date_formats if kind == "date" else locale.time_formats
    return format_context(str(table[name].pattern) if name in table else name)


def format_when(moment: datetime, lang: Language) -> str:
    """Date and time of ``moment`` in the language's zone, locale and digits."""
    zone = ZoneInfo(lang.timezone)
    local = moment.astimezone(zone)
    date_part = format_date(local, _pattern(lang, "date", lang.date_format), locale=lang.babel_locale)
    time_part = format_time(local, _pattern(lang, "time", lang.time_format), tzinfo=zone, locale=lang.babel_locale)
    glue = Locale.parse(lang.babel_locale).datetime_formats.get(lang.datetime_format, "{1} {0}")
    return finish(str(glue).replace("{1}", date_part).replace("{0}", time_part), lang)


def format_day(moment: datetime, lang: Language) -> str:
    """The date alone (``Updated {date}``)."""
    local = moment.astimezone(ZoneInfo(lang.timezone))
    return finish(format_date(local, _pattern(lang, "date", lang.date_format), locale=lang.babel_locale), lang)


def finish(text: str, lang: Language) -> str:
    """Babel output in our orthography (no RLM inside Arabic dates) and digit style."""
    for wrong, right in lang.cldr_fixes:
        text = text.replace(wrong, right)
    return localize_digits(normalize(text, lang.code, "title"), lang.digits)


def wrap_body(html: str, lang: Language | str) -> str:
    """Direction and language belong in the markup, around the whole body."""
    if isinstance(lang, str):
        lang = get_language(lang)
    return f'<div lang="{lang.tag("html")}" dir="{lang.direction}">{html}</div>'


def summary_text(document: dict[str, Any], limit: int = 300) -> str:
    """The standfirst, or the start of the body cut on a word boundary."""
    if document.get("standfirst"):
        return str(document["standfirst"])
    text = " ".join(unescape(nh3.clean(document["body_html"], tags=set())).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def article_path(language: str, section: str, article_id: int, slug: str) -> str:
    return f"/{language}/{section}/{article_id}/{slug}" if slug else f"/{language}/{section}/{article_id}"


def section_label(section: str, lang: Language, glossary: Glossary | None = None) -> str:
    """A section's name in ``lang``: the catalogs, then the glossary, then the slug itself."""
    if section in SECTION_LABELS:
        label = i18n.gettext(lang.code, SECTION_LABELS[section])
    else:
        term = (glossary or get_glossary()).get(section)
        label = term.name(lang.code) if term else section.replace("-", " ").title()
    return localize_digits(label, lang.digits)


def tag_labels(document: dict[str, Any], rendition: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Each tag as stored (a stable machine value) and as readers of the article's language see it."""
    tags = [str(t) for t in document.get("tags", [])]
    shown = [str(t) for t in (rendition or {}).get("tags_display") or []]
    if len(shown) != len(tags):  # a rendition made before tags were localized
        shown = tags
    return list(zip(tags, shown, strict=True))


def photo_credit(language: str, credit: str) -> str:
    """The credit line under an image: "Photo: Rebaz Omar/AFP" in the reader's language."""
    lang = get_language(language)
    return localize_digits(i18n.gettext(language, PHOTO_CREDIT).format(credit=credit), lang.digits)


def updated_on(language: str, date: str) -> str:
    """The "Updated {date}" line; ``date`` is already localized (``updated_date_display``)."""
    return i18n.gettext(language, UPDATED_ON).format(date=date)


def story_count(language: str, n: int) -> str:
    """A count of stories in the plural form the language's catalog picks for ``n`` (six in Arabic)."""
    lang = get_language(language)
    return i18n.ngettext(language, *STORY_COUNT, n).format(n=localize_digits(str(n), lang.digits))


def localize(document: dict[str, Any], *, article_id: int) -> dict[str, Any]:
    """The rendition of one cleaned article document (JSON-serialisable)."""
    code = document["language"]
    lang = get_language(code)
    glossary = get_glossary()

    def digits(text: str) -> str:
        return localize_digits(text, lang.digits)

    def html_digits(html: str) -> str:
        return map_html_text(html, digits)

    published = datetime.fromisoformat(document["published_at"])
    updated = datetime.fromisoformat(document.get("updated_at") or document["published_at"])
    slug = slugify(document["headline"], code)
    headline = digits(document["headline"])
    standfirst = document.get("standfirst")
    dateline = document.get("dateline")
    if dateline:
        dateline = digits(glossary.localize_dateline(dateline, code, lang.comma))
    summary = digits(summary_text(document))
    return {
        "language": code,
        "dir": lang.direction,
        "headline": headline,
        # Plain text for <title>, feed titles and ninjs: no markup and no bidi controls.
        "title": headline,
        "headline_html": isolate_html(headline, lang.direction),
        "standfirst": digits(standfirst) if standfirst else standfirst,
        "body_html": wrap_body(html_digits(document["body_html"]), lang),
        "summary_html": wrap_body(f"<p>{isolate_html(summary, lang.direction)}</p>", lang),
        "dateline": dateline,
        "published_display": format_when(published, lang),
        "updated_display": format_when(updated, lang),
        "updated_date_display": format_day(updated, lang),
        "slug": slug,
        "path": article_path(code, document["section"], article_id, slug),
        "section_label": section_label(document["section"], lang, glossary),
        "tags_display": [digits(glossary.localize_name(t, code)) for t in document.get("tags", [])],
    }
