"""Public URLs and ids of feeds, archive pages and entries.

Every URL written into a feed is an ASCII URI: Sorani and Arabic slugs and
tag keys are percent-encoded, because the W3C validator checks links, guids
and media URLs as RFC 2396 URIs and rejects raw non-ASCII characters.
"""

from __future__ import annotations

import re
from typing import Any

from syndicate.feeds.spec import FILENAMES
from syndicate.settings import Settings
from syndicate.urls import iri_to_uri

OPML_PATH = "index.opml"


def document_path(key: str, fmt: str, page: int = 0) -> str:
    """Path of a feed document relative to the feeds URL (and to the export folder)."""
    return f"{key}/archive/{page}/{FILENAMES[fmt]}" if page else f"{key}/{FILENAMES[fmt]}"


def feed_url(settings: Settings, key: str, fmt: str, page: int = 0) -> str:
    return site_url(settings, document_path(key, fmt, page))


def site_url(settings: Settings, path: str) -> str:
    """Public URL of anything served under the feeds URL."""
    return iri_to_uri(f"{settings.feeds_url.rstrip('/')}/{path}")


def sitemap_path(language: str) -> str:
    return f"sitemaps/news-{language}.xml"


def home_url(settings: Settings, language: str, kind: str = "language", value: str = "") -> str:
    """The web page a feed follows: the language front page, or its section page."""
    base = settings.site_url.rstrip("/")
    if kind == "section":
        return iri_to_uri(f"{base}/{language}/{value}/")
    return iri_to_uri(f"{base}/{language}/")


def entry_id(settings: Settings, newsroom_id: str) -> str:
    """RFC 4151 tag URI: survives corrections, slug changes and URL moves."""
    return f"tag:{settings.tag_authority}:{newsroom_id}"


def article_link(settings: Settings, origin: str, document: dict[str, Any], rendition: dict[str, Any]) -> str:
    """The article page: the newsroom's canonical URL, or the path a translation gets on the site."""
    if origin == "newsroom" and document.get("canonical_url"):
        return iri_to_uri(str(document["canonical_url"]))
    return iri_to_uri(settings.site_url.rstrip("/") + rendition["path"])


_DOC = re.compile(r"^(?P<key>.+?)(?:/archive/(?P<page>[1-9][0-9]{0,8}))?/(?P<file>[^/]+)$")


def parse_document_path(path: str) -> tuple[str, int, str] | None:
    """``(key, page, filename)`` of a served feed path, or None when it cannot be one."""
    match = _DOC.match(path)
    if not match:
        return None
    return match["key"], int(match["page"] or 0), match["file"]
