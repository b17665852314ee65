"""From a feed row to the specs of its documents: the subscription document and its archive pages.

RFC 5005: entries keep the position they got when they became public. Page
``p`` (1, 2, ...) holds positions ``(p-1)*size+1 .. p*size`` and is published
once every position of it has been handed out, so its membership never grows
again; only corrections and withdrawals of its own stories change it. The
subscription document holds the newest ``size`` entries and links the newest
full page as ``prev-archive``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds import labels, urls
from syndicate.feeds.entries import entry_specs, latest_ready
from syndicate.feeds.families import FeedRef
from syndicate.feeds.spec import FORMATS, FeedSpec
from syndicate.feeds.urls import entry_id, feed_url, home_url
from syndicate.settings import Settings
from syndicate.storage.models import Article, Feed, FeedEntry

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
__all__ = ["EPOCH", "article_link", "build_spec", "entry_id", "full_pages", "latest_ready", "page_of"]


def article_link(settings: Settings, article: Article, document: dict[str, Any], rendition: dict[str, Any]) -> str:
    """The public URL of an article version (payloads share it with feeds)."""
    return urls.article_link(settings, article.origin, document, rendition)


def page_of(position: int, size: int) -> int:
    """The archive page holding ``position`` (positions start at 1)."""
    return (position - 1) // size + 1


def full_pages(feed: Feed, size: int) -> int:
    """How many archive pages have all their positions handed out."""
    return (feed.next_position - 1) // size


def ref_of(feed: Feed) -> FeedRef:
    return FeedRef(feed.language, feed.kind, feed.value, feed.label)


def newest_ids(session: Session, feed: Feed, size: int) -> list[int]:
    """Article ids of the newest ``size`` entries (the (feed_id, position) unique index serves it)."""
    return list(
        session.scalars(
            select(FeedEntry.article_id)
            .where(FeedEntry.feed_id == feed.id)
            .order_by(FeedEntry.position.desc())
            .limit(size)
        )
    )


def page_ids(session: Session, feed: Feed, page: int, size: int) -> list[int]:
    """Article ids on archive page ``page``, newest first."""
    low, high = (page - 1) * size + 1, page * size
    return list(
        session.scalars(
            select(FeedEntry.article_id)
            .where(FeedEntry.feed_id == feed.id, FeedEntry.position.between(low, high))
            .order_by(FeedEntry.position.desc())
        )
    )


def _urls(settings: Settings, key: str, page: int) -> dict[str, str]:
    return {fmt: feed_url(settings, key, fmt, page) for fmt in FORMATS}


def build_spec(session: Session, settings: Settings, feed: Feed, page: int = 0, archived: int = 0) -> FeedSpec:
    """The spec of one document of ``feed``: ``page`` 0 is the subscription document.

    ``archived`` is the number of full archive pages that exist, which decides
    the ``prev-archive``/``next-archive`` links.
    """
    size = settings.feed_size
    ref = ref_of(feed)
    ids = newest_ids(session, feed, size) if page == 0 else page_ids(session, feed, page, size)
    entries = entry_specs(session, settings, ids)
    title = labels.feed_title(settings, ref)
    prev_archive: dict[str, str] = {}
    next_archive: dict[str, str] = {}
    current: dict[str, str] = {}
    if page == 0:
        if archived:
            prev_archive = _urls(settings, ref.key, archived)
    else:
        title = labels.archive_title(feed.language, title, len(entries))
        current = _urls(settings, ref.key, 0)
        if page > 1:
            prev_archive = _urls(settings, ref.key, page - 1)
        if page < archived:
            next_archive = _urls(settings, ref.key, page + 1)
    return FeedSpec(
        # The Atom id of every page is the subscription document's: RFC 5005 pages are one logical feed.
        id=feed_url(settings, ref.key, "atom"),
        title=title,
        subtitle=labels.feed_description(settings, feed.language),
        language=feed.language,
        home_url=home_url(settings, feed.language, ref.kind, ref.value),
        urls=_urls(settings, ref.key, page),
        updated=max((e.updated for e in entries), default=EPOCH),
        entries=entries,
        author=labels.outlet(settings, feed.language),
        rights=f"© {settings.copyright_holder}",
        hubs=tuple(settings.websub_hubs) if page == 0 else (),  # archive pages are not WebSub topics
        prev_archive=prev_archive,
        next_archive=next_archive,
        current=current,
        archive=page > 0,
    )
