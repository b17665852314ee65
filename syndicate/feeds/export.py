"""Export stored documents to a folder for nginx or a CDN, atomically, after they committed.

The folder mirrors the public URL space under the feeds URL: ``ckb/rss.xml``,
``ckb/archive/3/atom.xml``, ``index.opml``, ``sitemaps/news-ckb.xml``, each with
a ``.gz`` twin for ``gzip_static``.

The ``export`` step (``syndicate.feeds.steps``) calls :func:`export_feed` and
:func:`export_site_document` once a rebuild has committed, so the folder never
shows bytes a rolled-back transaction rendered. Each document remembers the
ETag last written (``exported_etag``): an export writes only what the folder
lacks, and running it twice writes nothing the second time.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from syndicate.feeds.urls import document_path
from syndicate.storage.db import locked
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


def page_folder(root: Path, key: str, page: int) -> Path:
    return (root / document_path(key, "atom", page)).parent


def prune_archive(root: Path, key: str, last_page: int) -> list[Path]:
    """Delete the exported archive pages past ``last_page``; returns the files removed.

    Archive pages are numbered 1..n without gaps, so the pages to delete are
    the folders that follow ``last_page`` until the first missing one: a
    rebuild that removed nothing costs one ``stat``.
    """
    removed = []
    page = last_page + 1
    while (folder := page_folder(root, key, page)).is_dir():
        # The .gz twins first: nginx's gzip_static must never find a twin without its document.
        for path in sorted(folder.iterdir(), key=lambda p: (not p.name.endswith(".gz"), p.name)):
            if path.is_file() or path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
        folder.rmdir()
        page += 1
    return removed


def export_feed(session: Session, root: Path, feed_id: int) -> list[Path]:
    """Bring the folder up to date with one feed's committed documents; returns the files written or removed.

    Runs under the feed's row lock, the lock a rebuild takes first, so a rebuild
    committing meanwhile cannot have its newer bytes overwritten by older ones.
    Archive pages go first and the subscription document last, so its
    ``prev-archive`` link never points at a page not written yet; pages past
    the feed's last one (after the page size grew) are deleted last.
    """
    feed = session.scalar(locked(select(Feed).where(Feed.id == feed_id)))
    if feed is None:
        return []
    stale = session.scalars(
        select(FeedDocument).where(
            FeedDocument.feed_id == feed.id,
            or_(FeedDocument.exported_etag.is_(None), FeedDocument.exported_etag != FeedDocument.etag),
        )
    ).all()
    changed: list[Path] = []
    for doc in sorted(stale, key=lambda d: (d.page == 0, d.page, d.format)):
        changed += export_bytes(root, document_path(feed.key, doc.format, doc.page), doc.body, doc.gzip_body)
        doc.exported_etag = doc.etag
    changed += prune_archive(root, feed.key, feed.archived_pages or 0)
    return changed


def stale_site_paths(session: Session) -> list[str]:
    """Site documents whose newest bytes the folder does not hold yet."""
    query = select(SiteDocument.path).where(
        or_(SiteDocument.exported_etag.is_(None), SiteDocument.exported_etag != SiteDocument.etag)
    )
    return list(session.scalars(query.order_by(SiteDocument.path)))


def export_site_document(session: Session, root: Path, path: str) -> list[Path]:
    """Write one site document (the OPML list, a sitemap) if the folder lacks its newest bytes.

    Under the row's lock, so a writer committing meanwhile cannot have its
    newer bytes overwritten by older ones; the only lock this transaction
    holds, so waiting for a rebuild that holds it cannot deadlock.
    """
    doc = session.scalar(locked(select(SiteDocument).where(SiteDocument.path == path)))
    if doc is None or doc.exported_etag == doc.etag:
        return []
    written = export_bytes(root, doc.path, doc.body, doc.gzip_body)
    doc.exported_etag = doc.etag
    return written


def export_feeds(session: Session, root: Path, feed_ids: list[int] | None = None) -> list[Path]:
    """Write every stored document (or those of ``feed_ids``) to any folder, plus OPML and sitemaps.

    A full copy for ``syndicate feeds export`` and ``syndicate run``: it leaves
    ``exported_etag`` alone, which tracks ``SYNDICATE_EXPORT_DIR`` only.
    """
    query = select(Feed, FeedDocument).join(FeedDocument, FeedDocument.feed_id == Feed.id)
    if feed_ids is not None:
        query = query.where(Feed.id.in_(feed_ids))
    written = []
    for feed, doc in session.execute(query.order_by(Feed.key, FeedDocument.format, FeedDocument.page)):
        written += export_bytes(root, document_path(feed.key, doc.format, doc.page), doc.body, doc.gzip_body)
    feeds = select(Feed) if feed_ids is None else select(Feed).where(Feed.id.in_(feed_ids))
    for feed in session.scalars(feeds):
        prune_archive(root, feed.key, feed.archived_pages or 0)
    if feed_ids is None:
        for site in session.scalars(select(SiteDocument).order_by(SiteDocument.path)):
            written += export_bytes(root, site.path, site.body, site.gzip_body)
    return written
