"""Export stored payloads to a folder: ``{lang}/{newsroom_id}/v{n}.{ext}``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds.export import write_atomic
from syndicate.storage.models import Article, ArticleVersion, Payload

EXTENSIONS = {"ninjs": "ninjs.json", "newsml": "newsml.xml"}


def export_payloads(session: Session, root: Path) -> list[Path]:
    rows = session.execute(
        select(Article.language, Article.newsroom_id, ArticleVersion.version, Payload.format, Payload.body)
        .join(ArticleVersion, ArticleVersion.id == Payload.version_id)
        .join(Article, Article.id == ArticleVersion.article_id)
        .order_by(Article.newsroom_id, ArticleVersion.version, Payload.format)
    )
    written = []
    for language, newsroom_id, version, fmt, body in rows:
        path = root / language / newsroom_id / f"v{version}.{EXTENSIONS.get(fmt, fmt)}"
        if write_atomic(path, body.encode("utf-8")):
            written.append(path)
    return written
