"""Rebuild a feed's stored documents when its content changed.

One rebuild renders the subscription document, the archive pages that just
filled up (and the page before them, which gains its ``next-archive`` link),
and the pages marked dirty by corrections and withdrawals. Its cost follows
the feed's page size and the number of changed pages, never the number of
stored articles. Nothing is written to the export folder here: the ``export``
step does that once this transaction has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from syndicate.feeds import atom, jsonfeed, opml, pages, rss, sitemap
from syndicate.feeds.build import build_spec, full_pages
from syndicate.feeds.documents import store_feed_document
from syndicate.feeds.spec import FeedSpec
from syndicate.metrics import FEED_REBUILDS
from syndicate.settings import Settings
from syndicate.storage.db import locked
from syndicate.storage.models import Feed, FeedDocument, SiteDocument
from syndicate.storage.types import utcnow

WRITERS: dict[str, Callable[[FeedSpec], bytes]] = {"rss": rss.write, "atom": atom.write, "json": jsonfeed.write}


@dataclass(frozen=True)
class RenderResult:
    feed_id: int
    key: str
    rendered: bool  # False: it was already up to date
    changed_formats: tuple[str, ...] = ()  # formats whose subscription document changed
    pages: tuple[int, ...] = ()  # archive pages rendered
    changed_pages: tuple[int, ...] = ()  # archive pages whose bytes changed
    sites: tuple[str, ...] = ()  # site documents (OPML, sitemap) whose bytes changed


def store(
    session: Session, feed: Feed, spec: FeedSpec, page: int = 0, complete: bool = False, now: datetime | None = None
) -> list[FeedDocument]:
    """Write each format's bytes; returns the documents whose bytes changed."""
    changed = []
    for fmt, writer in WRITERS.items():
        doc = store_feed_document(session, feed, fmt, page, writer(spec), complete=complete, now=now)
        if doc is not None:
            changed.append(doc)
    return changed


def pages_to_render(feed: Feed, full: int, dirty: list[int], size_changed: bool) -> list[int]:
    """Archive pages this rebuild must render, oldest first."""
    if size_changed:
        return list(range(1, full + 1))
    todo = {p for p in dirty if 1 <= p <= full}
    before = feed.archived_pages or 0
    if full > before:
        todo |= set(range(before + 1, full + 1))
        if before >= 1:
            todo.add(before)  # the previous newest page now has a next-archive
    return sorted(todo)


def render_feed(session: Session, settings: Settings, feed_id: int, now: datetime | None = None) -> RenderResult:
    """Render ``feed_id`` if it changed since its last rebuild (idempotent)."""
    feed = session.scalar(locked(select(Feed).where(Feed.id == feed_id)))
    if feed is None:
        return RenderResult(feed_id, "", False)
    seen = feed.change_seq
    if feed.rendered_seq >= seen and session.get(FeedDocument, (feed.id, "rss", 0)) is not None:
        return RenderResult(feed_id, feed.key, False)
    now = now or utcnow()
    size = settings.feed_size
    size_changed = feed.page_size is not None and feed.page_size != size
    full = full_pages(feed, size)
    todo = pages_to_render(feed, full, pages.dirty_pages(session, feed.id), size_changed)
    changed_pages = []
    for page in todo:
        if store(session, feed, build_spec(session, settings, feed, page, archived=full), page, True, now):
            changed_pages.append(page)
    front = store(session, feed, build_spec(session, settings, feed, 0, archived=full), 0, False, now)
    if size_changed:
        session.execute(delete(FeedDocument).where(FeedDocument.feed_id == feed.id, FeedDocument.page > full))
    pages.clear_marks(session, feed.id)
    first_render = feed.rendered_at is None
    session.execute(
        update(Feed)
        .where(Feed.id == feed.id)
        .values(
            rendered_seq=seen,
            rendered_at=now,
            render_count=Feed.render_count + 1,
            dirty_since=None,
            page_size=size,
            archived_pages=full,
        )
    )
    site_docs = refresh_site_documents(session, settings, feed, first_render, now)
    FEED_REBUILDS.labels(kind=feed.kind).inc()
    return RenderResult(
        feed_id,
        feed.key,
        True,
        tuple(d.format for d in front),
        tuple(todo),
        tuple(changed_pages),
        tuple(site.path for site in site_docs),
    )


def refresh_site_documents(
    session: Session, settings: Settings, feed: Feed, first_render: bool, now: datetime
) -> list[SiteDocument]:
    """The OPML list gains a feed on its first rebuild; a language feed's rebuild refreshes its sitemap."""
    changed = []
    if first_render:
        doc = opml.refresh(session, settings)
        if doc is not None:
            changed.append(doc)
    if feed.kind == "language":
        doc = sitemap.refresh(session, settings, feed.language, now)
        if doc is not None:
            changed.append(doc)
    return changed
