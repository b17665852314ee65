"""Rebuild a feed's stored documents when its content changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from syndicate.feeds import atom, rss
from syndicate.feeds.build import build_spec
from syndicate.feeds.spec import FeedSpec
from syndicate.settings import Settings
from syndicate.storage.models import Feed, FeedDocument
from syndicate.storage.types import utcnow

WRITERS = {"rss": rss.write, "atom": atom.write}


@dataclass(frozen=True)
class RenderResult:
    feed_id: int
    key: str
    rendered: bool  # False: it was already up to date
    changed_formats: tuple[str, ...] = ()


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def store(session: Session, feed: Feed, spec: FeedSpec, page: int = 0, complete: bool = False) -> list[str]:
    """Write each format's bytes; returns the formats whose bytes changed."""
    changed = []
    for fmt, writer in WRITERS.items():
        body = writer(spec)
        etag = etag_of(body)
        doc = session.get(FeedDocument, (feed.id, fmt, page))
        if doc is not None and doc.etag == etag:
            continue
        if doc is None:
            doc = FeedDocument(feed_id=feed.id, format=fmt, page=page)
            session.add(doc)
        doc.body, doc.etag, doc.last_modified, doc.complete = body, etag, spec.updated, complete
        changed.append(fmt)
    return changed


def render_feed(session: Session, settings: Settings, feed_id: int) -> RenderResult:
    """Render ``feed_id`` if it changed since its last rebuild (idempotent)."""
    feed = session.scalar(select(Feed).where(Feed.id == feed_id).with_for_update())
    if feed is None:
        return RenderResult(feed_id, "", False)
    seen = feed.change_seq
    if feed.rendered_seq >= seen and session.get(FeedDocument, (feed.id, "rss", 0)) is not None:
        return RenderResult(feed_id, feed.key, False)
    spec = build_spec(session, settings, feed)
    changed = store(session, feed, spec)
    session.execute(
        update(Feed)
        .where(Feed.id == feed.id)
        .values(rendered_seq=seen, rendered_at=utcnow(), render_count=Feed.render_count + 1, dirty_since=None)
    )
    return RenderResult(feed_id, feed.key, True, tuple(changed))
