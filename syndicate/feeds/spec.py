"""Declarative feed specs: what a feed says, independent of its format.

Builders turn stored articles into a :class:`FeedSpec`; one writer per
format (``rss``, ``atom``, ``jsonfeed``) turns the spec into bytes. Writers
never read the database or the clock, so the same spec gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

FORMATS = ("rss", "atom", "json")
FILENAMES = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}


@dataclass(frozen=True)
class Link:
    href: str
    rel: str = "alternate"
    type: str | None = None
    hreflang: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class MediaSpec:
    url: str
    mime_type: str = "image/jpeg"
    width: int | None = None
    height: int | None = None
    credit: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class EntrySpec:
    id: str  # stable across versions: an RFC 4151 tag: URI
    title: str
    link: str  # the article page
    content_html: str  # carries lang and dir inside for RTL languages
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    summary_html: str | None = None
    summary_text: str | None = None
    categories: tuple[tuple[str, str], ...] = ()  # (term, label)
    media: tuple[MediaSpec, ...] = ()
    alternates: tuple[Link, ...] = ()  # the other language versions (hreflang)
    language: str = ""  # public language code; writers map it per format
    machine_translated: bool = False
    correction: str | None = None
    image: str | None = None  # first image URL (JSON Feed)


@dataclass(frozen=True)
class FeedSpec:
    id: str
    title: str
    subtitle: str
    language: str  # public language code; writers ask the registry for the tag
    home_url: str  # the web page this feed follows
    urls: dict[str, str]  # format -> URL of this document (rel=self)
    updated: datetime  # from the data, never the clock
    entries: tuple[EntrySpec, ...]
    author: str
    rights: str | None = None
    icon: str | None = None
    hubs: tuple[str, ...] = ()
    # RFC 5005: format -> URL of the neighbouring documents
    prev_archive: dict[str, str] = field(default_factory=dict)
    next_archive: dict[str, str] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)
    archive: bool = False  # this document is an archive page (fh:archive)
    generator: str = "syndicate"
