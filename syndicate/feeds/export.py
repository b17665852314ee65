"""Export stored documents to a folder for nginx or a CDN, atomically.

The folder mirrors the public URL space under the feeds URL: ``ckb/rss.xml``,
``ckb/archive/3/atom.xml``, ``index.opml``, ``sitemaps/news-ckb.xml``, each with
a ``.gz`` twin for ``gzip_static``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds.urls import document_path
from syndicate.storage.models import Feed, FeedDocument, SiteDocument


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` via a temporary file and rename; False if unchanged.

    A reader sees either the old file or the new one, never half of it.
    """
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def export_bytes(root: Path, relative: str, body: bytes, packed: bytes | None) -> list[Path]:
    """Write a document and its ``.gz`` twin, each atomically; the twin first, so it is never older."""
    path = root / relative
    written = []
    if packed is not None:
        twin = path.with_name(path.name + ".gz")
        if write_atomic(twin, packed):
            written.append(twin)
    if write_atomic(path, body):
        written.append(path)
    return written


def export_feeds(session: Session, root: Path, feed_ids: list[int] | None = None) -> list[Path]:
    """Write every stored document (or those of ``feed_ids``), plus OPML and sitemaps; returns files written."""
    query = select(Feed, FeedDocument).join(FeedDocument, FeedDocument.feed_id == Feed.id)
    if feed_ids is not None:
        query = query.where(Feed.id.in_(feed_ids))
    written = []
    for feed, doc in session.execute(query.order_by(Feed.key, FeedDocument.format, FeedDocument.page)):
        written += export_bytes(root, document_path(feed.key, doc.format, doc.page), doc.body, doc.gzip_body)
    if feed_ids is None:
        for site in session.scalars(select(SiteDocument).order_by(SiteDocument.path)):
            written += export_bytes(root, site.path, site.body, site.gzip_body)
    return written
