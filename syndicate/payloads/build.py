"""Build and store the partner payloads of one article version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds.build import article_link, entry_id, latest_ready
from syndicate.payloads import ninjs
from syndicate.payloads.context import PayloadContext
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion, Payload

# format -> (build from context, serialise)
FORMATS: dict[str, tuple[Callable[[PayloadContext], Any], Callable[[Any], str]]] = {
    "ninjs": (ninjs.build, ninjs.dumps),
}


def translations_of(session: Session, settings: Settings, article: Article) -> tuple[dict[str, Any], ...]:
    """The other public language versions of the same story."""
    siblings = list(
        session.scalars(
            select(Article)
            .where(Article.story_id == article.story_id, Article.id != article.id, Article.released.is_(True))
            .order_by(Article.language, Article.id)
        )
    )
    ready = latest_ready(session, [s.id for s in siblings])
    out = []
    for sib in siblings:
        version = ready.get(sib.id)
        if version is None:
            continue
        out.append(
            {
                "language": sib.language,
                "uri": entry_id(settings, sib.newsroom_id),
                "headline": version.document["headline"],
                "link": article_link(settings, sib, version.document, version.rendition or {}),
                "machine_translated": sib.machine_translated,
            }
        )
    return tuple(out)


def context_for(session: Session, settings: Settings, version: ArticleVersion) -> PayloadContext:
    article = version.article
    doc, rend = version.document, version.rendition or {}
    embargo = doc.get("embargo_until")
    notes = []
    if doc.get("status") == "corrected" and doc.get("correction_note"):
        notes.append(f"Correction: {doc['correction_note']}")
    return PayloadContext(
        newsroom_id=article.newsroom_id,
        uri=entry_id(settings, article.newsroom_id),
        version=version.version,
        version_created=datetime.fromisoformat(doc.get("updated_at") or doc["published_at"]),
        document=doc,
        rendition=rend,
        link=article_link(settings, article, doc, rend) if rend else None,
        outlet=settings.outlet_name,
        copyright_holder=settings.copyright_holder,
        media=tuple(doc.get("media", [])),
        translations=translations_of(session, settings, article),
        embargo_until=datetime.fromisoformat(embargo) if embargo else None,
        notes=tuple(notes),
        machine_translated=article.machine_translated,
        correction=doc.get("correction_note") if doc.get("status") == "corrected" else None,
    )


def render_payload(ctx: PayloadContext, fmt: str) -> str:
    build, dumps = FORMATS[fmt]
    return dumps(build(ctx))


def build_payloads(session: Session, settings: Settings, version: ArticleVersion) -> bool:
    """Store every format for ``version``; False when they were already stored."""
    existing = set(session.scalars(select(Payload.format).where(Payload.version_id == version.id)))
    missing = [fmt for fmt in FORMATS if fmt not in existing]
    if not missing:
        return False
    ctx = context_for(session, settings, version)
    for fmt in missing:
        session.add(Payload(version_id=version.id, format=fmt, body=render_payload(ctx, fmt)))
    session.flush()
    return True
