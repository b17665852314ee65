"""Build and store the partner payloads of one article version.

The stored payload is the version before any partner's rules, with the
language links known when it was built. Partners get payloads rendered at
delivery or pull time from the same context (``context_for``) plus their own
rules and the links current at that moment (see ``syndicate.partners.render``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds.build import article_link, entry_id
from syndicate.feeds.entries import ReadyVersion, load_stories
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


@dataclass(frozen=True)
class StoryLinks:
    """What payloads read about other articles: each story's public language versions, source languages."""

    siblings: dict[int, list[Article]]  # story id -> released articles, by language
    ready: dict[int, ReadyVersion]  # article id -> newest processed version
    sources: dict[int, str]  # translation's article id -> the language it was translated from


def story_links(session: Session, articles: Sequence[Article]) -> StoryLinks:
    """The links of many articles in a few statements (a pull page renders fifty at once)."""
    story = load_stories(session, articles)
    sources: dict[int, str] = {}
    by_id = {a.id: a.source_article_id for a in articles if a.source_article_id is not None}
    if by_id:
        by_source = select(Article.id, Article.language).where(Article.id.in_(set(by_id.values())))
        found: dict[int, str] = {i: lang for i, lang in session.execute(by_source)}
        sources |= {a: found[s] for a, s in by_id.items() if s in found}
    by_name = {a.id: a.translation_of for a in articles if a.source_article_id is None and a.translation_of}
    if by_name:
        by_newsroom_id = select(Article.newsroom_id, Article.language).where(
            Article.newsroom_id.in_(set(by_name.values()))
        )
        named: dict[str, str] = {n: lang for n, lang in session.execute(by_newsroom_id)}
        sources |= {a: named[n] for a, n in by_name.items() if n in named}
    return StoryLinks(story.siblings, story.ready, sources)


def translations_of(settings: Settings, article: Article, links: StoryLinks) -> tuple[dict[str, Any], ...]:
    """The other public language versions of the same story."""
    out = []
    for sib in links.siblings.get(article.story_id, []):
        version = links.ready.get(sib.id)
        if sib.id == article.id or version is None:
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


def context_for(
    session: Session, settings: Settings, version: ArticleVersion, links: StoryLinks | None = None
) -> PayloadContext:
    """Everything a payload of ``version`` shows; ``links`` read beforehand for many versions at once."""
    article = version.article
    links = links or story_links(session, [article])
    doc, rend = version.document, version.rendition or {}
    embargo = doc.get("embargo_until")
    withdrawn = doc.get("status") == "withdrawn"
    source = links.sources.get(article.id)
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
        translations=() if withdrawn else translations_of(settings, article, links),
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
