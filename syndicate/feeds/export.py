"""Export stored feed documents to a folder for nginx or a CDN, atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds.spec import FILENAMES
from syndicate.storage.models import Feed, FeedDocument


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


def document_path(root: Path, key: str, fmt: str, page: int = 0) -> Path:
    folder = root / key if not page else root / key / "archive" / str(page)
    return folder / FILENAMES[fmt]


def export_feeds(session: Session, root: Path, feed_ids: list[int] | None = None) -> list[Path]:
    """Write every stored document (or those of ``feed_ids``); returns the files written."""
    query = select(Feed, FeedDocument).join(FeedDocument, FeedDocument.feed_id == Feed.id)
    if feed_ids is not None:
        query = query.where(Feed.id.in_(feed_ids))
    written = []
    for feed, doc in session.execute(query.order_by(Feed.key, FeedDocument.format, FeedDocument.page)):
        path = document_path(root, feed.key, doc.format, doc.page)
        if write_atomic(path, doc.body):
            written.append(path)
    return written
