"""Localized renditions: what readers and partners see of one article version."""

from __future__ import annotations

from datetime import datetime
from html import escape, unescape
from typing import Any
from zoneinfo import ZoneInfo

import nh3
from babel.dates import format_datetime

from syndicate.languages.registry import get_language
from syndicate.languages.slugs import slugify

# MMMM, never LLLL: Babel's stand-alone month names leak across locales in
# long-lived processes (python-babel #1234); the format context is unaffected.
DATETIME_PATTERN = "d MMMM y HH:mm"


def format_when(moment: datetime, language: str) -> str:
    lang = get_language(language)
    return format_datetime(moment, DATETIME_PATTERN, tzinfo=ZoneInfo(lang.timezone), locale=lang.babel_locale)


def wrap_body(html: str, language: str) -> str:
    """Direction and language belong in the markup, around the whole body."""
    lang = get_language(language)
    return f'<div lang="{lang.bcp47}" dir="{lang.direction}">{html}</div>'


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


def localize(document: dict[str, Any], *, article_id: int) -> dict[str, Any]:
    """The rendition of one cleaned article document (JSON-serialisable)."""
    code = document["language"]
    lang = get_language(code)
    published = datetime.fromisoformat(document["published_at"])
    updated = datetime.fromisoformat(document.get("updated_at") or document["published_at"])
    slug = slugify(document["headline"], code)
    return {
        "language": code,
        "dir": lang.direction,
        "headline": document["headline"],
        "standfirst": document.get("standfirst"),
        "body_html": wrap_body(document["body_html"], code),
        "summary_html": wrap_body(f"<p>{escape(summary_text(document))}</p>", code),
        "dateline": document.get("dateline"),
        "published_display": format_when(published, code),
        "updated_display": format_when(updated, code),
        "slug": slug,
        "path": article_path(code, document["section"], article_id, slug),
    }
