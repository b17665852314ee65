"""Stored documents: bytes, their gzip twin, strong ETags and a Last-Modified that only moves forward.

Feeds are served exactly as stored here (and as exported), never rendered per
request. ``Last-Modified`` is the time the bytes changed, not the newest
entry's time: a withdrawal can make a feed's newest entry older, and a
client's ``If-Modified-Since`` must still see that the feed changed.
"""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from syndicate.storage.db import locked
from syndicate.storage.models import Feed, FeedDocument, SiteDocument
from syndicate.storage.types import utcnow

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def gzipped(body: bytes) -> bytes:
    """Deterministic gzip (no timestamp, no file name): the same bytes give the same ETag."""
    return gzip.compress(body, compresslevel=9, mtime=0)


def next_modified(previous: datetime | None, now: datetime | None = None) -> datetime:
    """Whole seconds (HTTP dates have no fraction), strictly after the previous value."""
    moment = (now or utcnow()).replace(microsecond=0)
    if previous is not None and moment <= previous:
        moment = previous.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def store_feed_document(
    session: Session, feed: Feed, fmt: str, page: int, body: bytes, *, complete: bool, now: datetime | None = None
) -> FeedDocument | None:
    """Store one document; returns it when its bytes changed, None when they did not."""
    etag = etag_of(body)
    doc = session.get(FeedDocument, (feed.id, fmt, page))
    if doc is not None and doc.etag == etag:
        if doc.complete != complete:
            doc.complete = complete
        return None
    if doc is None:
        doc = FeedDocument(feed_id=feed.id, format=fmt, page=page)
        session.add(doc)
    packed = gzipped(body)
    doc.body, doc.etag, doc.complete = body, etag, complete
    doc.gzip_body, doc.gzip_etag = packed, etag_of(packed)
    doc.last_modified = next_modified(doc.last_modified, now)
    return doc


def lock_site_document(session: Session, path: str, media_type: str) -> None:
    """Create the row of a site document if needed and lock it until the transaction ends.

    Several writers refresh the OPML list (first rebuilds of different feeds) and
    a sitemap (its language feed's rebuild, the periodic refresh). Without the
    lock two of them would both insert the row, or write it from two snapshots,
    the later commit dropping what the other saw.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    placeholder = {"path": path, "media_type": media_type, "body": b"", "etag": "", "last_modified": EPOCH}
    session.execute(insert(SiteDocument).values(placeholder).on_conflict_do_nothing(index_elements=["path"]))
    session.execute(locked(select(SiteDocument).where(SiteDocument.path == path))).all()


def store_site_document(
    session: Session, path: str, media_type: str, body: bytes, *, now: datetime | None = None
) -> SiteDocument | None:
    """Store an OPML file or sitemap (lock it before computing it); returns it when its bytes changed."""
    etag = etag_of(body)
    doc = session.get(SiteDocument, path)
    if doc is not None and doc.etag == etag:
        return None
    if doc is None:
        doc = SiteDocument(path=path)
        session.add(doc)
    packed = gzipped(body)
    doc.media_type, doc.body, doc.etag = media_type, body, etag
    doc.gzip_body, doc.gzip_etag = packed, etag_of(packed)
    doc.last_modified = next_modified(doc.last_modified, now)
    return doc
