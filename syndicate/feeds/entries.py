"""From stored articles to entry specs: content, labels, media, alternate-language links.

Every query here is keyed by the ids of the entries being rendered (primary
keys and indexed foreign keys), so building a page costs the same whether the
database holds a hundred articles or a million.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.domain.images import feed_body
from syndicate.feeds import labels
from syndicate.feeds.spec import EntrySpec, Link, MediaSpec
from syndicate.feeds.urls import article_link, entry_id
from syndicate.languages.localize import tag_labels
from syndicate.languages.registry import get_language
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion
from syndicate.urls import iri_to_uri


@dataclass(frozen=True)
class Story:
    """The public language versions of the stories being rendered."""

    siblings: dict[int, list[Article]]  # story id -> released articles, by language
    ready: dict[int, ReadyVersion]  # article id -> newest processed version


@dataclass(frozen=True)
class ReadyVersion:
    """A processed article version as feeds and payloads read it (never changed once processed)."""

    id: int
    article_id: int
    version: int
    status: str
    document: dict[str, Any]
    rendition: dict[str, Any]
    machine_translated: bool


class _ReadyCache:
    """Processed versions by (database, id), most recently used kept.

    A rebuild shows the same fifty stories as the one before it, plus a new one
    or two; their documents and renditions are the bulk of what a rebuild reads,
    and a processed version never changes. The processing time is checked with
    every use, so a database recreated under the same URL cannot serve old rows.
    """

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple[str, int], tuple[datetime, ReadyVersion]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int], processed_at: datetime) -> ReadyVersion | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != processed_at:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: tuple[str, int], processed_at: datetime, version: ReadyVersion) -> None:
        with self._lock:
            self._items[key] = (processed_at, version)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_READY = _ReadyCache(2048)


def latest_ready(session: Session, article_ids: Sequence[int]) -> dict[int, ReadyVersion]:
    """The newest processed version of each article (what readers may see)."""
    if not article_ids:
        return {}
    newest: dict[int, tuple[int, datetime]] = {}
    rows = session.execute(
        select(ArticleVersion.article_id, ArticleVersion.id, ArticleVersion.processed_at)
        .where(ArticleVersion.article_id.in_(article_ids), ArticleVersion.processed_at.is_not(None))
        .order_by(ArticleVersion.article_id, ArticleVersion.version.desc())
    )
    for article_id, version_id, processed_at in rows:
        if processed_at is not None:
            newest.setdefault(article_id, (version_id, processed_at))
    database = str(session.get_bind().engine.url)
    out: dict[int, ReadyVersion] = {}
    missing: dict[int, int] = {}
    for article_id, (version_id, processed_at) in newest.items():
        cached = _READY.get((database, version_id), processed_at)
        if cached is None:
            missing[version_id] = article_id
        else:
            out[article_id] = cached
    if missing:
        loaded = session.execute(
            select(
                ArticleVersion.id,
                ArticleVersion.version,
                ArticleVersion.status,
                ArticleVersion.document,
                ArticleVersion.rendition,
                ArticleVersion.machine_translated,
                ArticleVersion.processed_at,
            ).where(ArticleVersion.id.in_(sorted(missing)))
        )
        for version_id, number, status, document, rendition, machine, processed_at in loaded:
            ready = ReadyVersion(
                version_id, missing[version_id], number, status, document, rendition or {}, bool(machine)
            )
            _READY.put((database, version_id), processed_at, ready)
            out[ready.article_id] = ready
    return out


def load_stories(session: Session, articles: Sequence[Article]) -> Story:
    story_ids = sorted({a.story_id for a in articles})
    siblings: dict[int, list[Article]] = {}
    if story_ids:
        # ``released`` is filtered here, not in SQL: nearly every article is released, and without
        # statistics SQLite picks that index over story_id and scans the whole table.
        for sib in session.scalars(
            select(Article).where(Article.story_id.in_(story_ids)).order_by(Article.language, Article.id)
        ):
            if sib.released:
                siblings.setdefault(sib.story_id, []).append(sib)
    ids = {a.id for a in articles} | {s.id for group in siblings.values() for s in group}
    return Story(siblings, latest_ready(session, sorted(ids)))


def alternates(settings: Settings, article: Article, story: Story) -> tuple[Link, ...]:
    """Links to the other public language versions of the story (hreflang: the feed tag)."""
    links = []
    seen: set[str] = set()
    for sib in story.siblings.get(article.story_id, []):
        version = story.ready.get(sib.id)
        if sib.id == article.id or version is None or sib.language == article.language or sib.language in seen:
            continue
        seen.add(sib.language)  # one alternate per language: the validator refuses duplicates
        href = article_link(settings, sib.origin, version.document, version.rendition or {})
        links.append(Link(href, "alternate", "text/html", get_language(sib.language).tag("feed")))
    return tuple(links)


def source_language(article: Article, story: Story) -> str | None:
    """The language a translation was made from, when its source is known."""
    for sib in story.siblings.get(article.story_id, []):
        by_id = sib.id == article.source_article_id
        if by_id or (article.translation_of is not None and sib.newsroom_id == article.translation_of):
            return sib.language
    return None


def media_specs(document: dict[str, Any]) -> tuple[MediaSpec, ...]:
    """The images of a story that may appear in feeds (agency rights can forbid it)."""
    return tuple(
        MediaSpec(
            url=iri_to_uri(str(m["url"])),
            mime_type=m.get("mime_type", "image/jpeg"),
            width=m.get("width"),
            height=m.get("height"),
            credit=m.get("credit"),
            description=m.get("caption"),
        )
        for m in document.get("media", [])
        if m.get("feed_reuse", True)
    )


def entry_spec(settings: Settings, article: Article, version: ReadyVersion, story: Story) -> EntrySpec:
    """One entry. Corrections and machine translation are said in the content, the summary and a category."""
    doc, rend = version.document, version.rendition or {}
    lang = article.language
    published = datetime.fromisoformat(doc["published_at"])
    updated = datetime.fromisoformat(doc.get("updated_at") or doc["published_at"])
    categories = [(doc["section"], rend.get("section_label") or labels.section_label(lang, doc["section"]))]
    # The tag as stored is the stable term; readers see the glossary's name in their language.
    categories += tag_labels(doc, rend)
    notices = []
    if updated > published and rend.get("updated_date_display"):
        notices.append(labels.updated_notice(lang, rend["updated_date_display"]))
        categories.append((labels.UPDATED_TERM, labels.updated_label(lang)))
    corrected = doc.get("status") == "corrected" or bool(doc.get("correction_note"))
    if corrected:
        notices.append(labels.correction_notice(lang, doc.get("correction_note")))
        categories.append((labels.CORRECTION_TERM, labels.correction_label(lang)))
    source = source_language(article, story)
    if version.machine_translated:
        notices.append(labels.machine_translation_notice(lang, source))
        categories.append((labels.MACHINE_TRANSLATION_TERM, labels.machine_translation_label(lang)))
    elif article.origin == "translation" and source:
        notices.append(labels.translation_notice(lang, source))
    prefix = "".join(notices)
    media = media_specs(doc)
    body = feed_body(rend["body_html"], doc.get("media", []))  # images that may not be reused in feeds go
    return EntrySpec(
        id=entry_id(settings, article.newsroom_id),
        title=rend.get("headline") or doc["headline"],
        link=article_link(settings, article.origin, doc, rend),
        content_html=prefix + labels.figures(lang, media) + body,
        summary_html=prefix + (rend.get("summary_html") or body),
        summary_text=doc.get("standfirst"),
        published=published,
        updated=updated,
        authors=tuple(a["name"] for a in doc["byline"]),
        categories=tuple(dict.fromkeys(categories)),
        media=media,
        alternates=alternates(settings, article, story),
        language=lang,
        machine_translated=version.machine_translated,
        correction=doc.get("correction_note") if corrected else None,
        image=media[0].url if media else None,
    )


def entry_specs(session: Session, settings: Settings, article_ids: Sequence[int]) -> tuple[EntrySpec, ...]:
    """Entries for ``article_ids`` in that order, skipping what readers may not see yet."""
    if not article_ids:
        return ()
    found = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(article_ids)))}
    articles = [found[i] for i in article_ids if i in found and found[i].released and not found[i].withdrawn]
    story = load_stories(session, articles)
    return tuple(entry_spec(settings, a, story.ready[a.id], story) for a in articles if a.id in story.ready)
