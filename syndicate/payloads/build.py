"""Build and store the partner payloads of one article version.

The stored payload is the version before any partner's rules, with the
language links known when it was built. Partners get payloads rendered at
delivery or pull time from the same context (``context_for``) plus their own
rules and the links current at that moment (see ``syndicate.partners.render``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds.build import article_link, entry_id, latest_ready
from syndicate.languages.i18n import gettext
from syndicate.languages.registry import LANGUAGES
from syndicate.payloads import newsml, ninjs
from syndicate.payloads.context import PayloadContext
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion, Payload
from syndicate.urls import iri_to_uri

# format -> (build from context, serialise, content type)
FORMATS: dict[str, tuple[Callable[[PayloadContext], Any], Callable[[Any], str], str]] = {
    "ninjs": (ninjs.build, ninjs.dumps, ninjs.CONTENT_TYPE),
    "newsml": (newsml.build, newsml.dumps, newsml.CONTENT_TYPE),
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
                "version": version.version,
                "headline": version.document["headline"],
                "link": iri_to_uri(article_link(settings, sib, version.document, version.rendition or {})),
                "machine_translated": version.machine_translated,
            }
        )
    return tuple(out)


def source_language(session: Session, article: Article) -> str | None:
    """The language this article was translated from, if it is a translation."""
    source = None
    if article.source_article_id is not None:
        source = session.get(Article, article.source_article_id)
    elif article.translation_of:
        source = session.scalar(select(Article).where(Article.newsroom_id == article.translation_of))
    return source.language if source is not None else None


def editorial_notes(language: str, doc: dict[str, Any], machine_translated: bool, source: str | None) -> list[str]:
    """Notes for the receiving desk, in the article's language."""
    notes = []
    if doc.get("status") == "corrected" and doc.get("correction_note"):
        notes.append(gettext(language, "Correction: {note}").format(note=doc["correction_note"]))
    if machine_translated:
        if source in LANGUAGES:
            name = gettext(language, LANGUAGES[source].english_name)
            text = "Machine-translated from {language}; not yet reviewed by an editor"
            notes.append(gettext(language, text).format(language=name))
        else:
            notes.append(gettext(language, "Machine translation"))
    return notes


def context_for(session: Session, settings: Settings, version: ArticleVersion) -> PayloadContext:
    article = version.article
    doc, rend = version.document, version.rendition or {}
    embargo = doc.get("embargo_until")
    withdrawn = doc.get("status") == "withdrawn"
    source = source_language(session, article)
    section = doc.get("section", "")
    created = datetime.fromisoformat(doc.get("updated_at") or doc["published_at"])
    if withdrawn:
        # A takedown carries the previous version's document: its own moment is when it arrived.
        created = max(created, version.ingested_at)
    return PayloadContext(
        newsroom_id=article.newsroom_id,
        uri=entry_id(settings, article.newsroom_id),
        version=version.version,
        version_created=created,
        document=doc,
        rendition=rend,
        link=iri_to_uri(article_link(settings, article, doc, rend)) if rend else None,
        outlet=settings.outlet_name,
        copyright_holder=settings.copyright_holder,
        media=tuple(doc.get("media", [])),
        translations=() if withdrawn else translations_of(session, settings, article),
        embargo_until=datetime.fromisoformat(embargo) if embargo else None,
        # The version's own label: an earlier machine draft stays labelled after a reviewed version.
        notes=tuple(editorial_notes(doc["language"], doc, version.machine_translated, source)),
        machine_translated=version.machine_translated,
        correction=doc.get("correction_note") if doc.get("status") == "corrected" else None,
        first_created=datetime.fromisoformat(doc["published_at"]),
        provider_uri=settings.site_url.rstrip("/") + "/",
        section_label=rend.get("section_label") or (gettext(doc["language"], section.title()) if section else None),
        source_language=source,
    )


def render_payload(ctx: PayloadContext, fmt: str) -> str:
    build, dumps, _ = FORMATS[fmt]
    return dumps(build(ctx))


def content_type(fmt: str) -> str:
    return FORMATS[fmt][2]


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
