"""From stored articles to feed specs. Reads only the entries of one page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds.families import FeedRef
from syndicate.feeds.spec import FILENAMES, FORMATS, EntrySpec, FeedSpec, Link, MediaSpec
from syndicate.languages.registry import get_language
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion, Feed, FeedEntry

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def feed_url(settings: Settings, key: str, fmt: str, page: int = 0) -> str:
    base = settings.feeds_url.rstrip("/")
    if page:
        return f"{base}/{key}/archive/{page}/{FILENAMES[fmt]}"
    return f"{base}/{key}/{FILENAMES[fmt]}"


def entry_id(settings: Settings, newsroom_id: str) -> str:
    """RFC 4151 tag URI: survives corrections, slug changes and URL moves."""
    return f"tag:{settings.tag_authority}:{newsroom_id}"


def article_link(settings: Settings, article: Article, document: dict[str, Any], rendition: dict[str, Any]) -> str:
    # Newsroom and translation documents both carry a canonical URL, percent-encoded by the model.
    if document.get("canonical_url"):
        return str(document["canonical_url"])
    return settings.site_url.rstrip("/") + rendition["path"]


def latest_ready(session: Session, article_ids: list[int]) -> dict[int, ArticleVersion]:
    """The newest processed version of each article (what readers may see)."""
    out: dict[int, ArticleVersion] = {}
    if not article_ids:
        return out
    rows = session.scalars(
        select(ArticleVersion)
        .where(ArticleVersion.article_id.in_(article_ids), ArticleVersion.processed_at.is_not(None))
        .order_by(ArticleVersion.article_id, ArticleVersion.version.desc())
    )
    for version in rows:
        out.setdefault(version.article_id, version)
    return out


def alternates(session: Session, settings: Settings, articles: list[Article]) -> dict[int, list[Link]]:
    """Links to the other public language versions of each article's story."""
    story_ids = {a.story_id for a in articles}
    if not story_ids:
        return {}
    siblings = list(
        session.scalars(
            select(Article)
            .where(Article.story_id.in_(story_ids), Article.released.is_(True))
            .order_by(Article.language, Article.id)
        )
    )
    ready = latest_ready(session, [s.id for s in siblings])
    out: dict[int, list[Link]] = {}
    for article in articles:
        links = []
        for sib in siblings:
            if sib.story_id != article.story_id or sib.id == article.id or sib.id not in ready:
                continue
            version = ready[sib.id]
            href = article_link(settings, sib, version.document, version.rendition or {})
            links.append(Link(href, "alternate", "text/html", get_language(sib.language).tag("feed")))
        out[article.id] = links
    return out


def entry_spec(settings: Settings, article: Article, version: ArticleVersion, alts: list[Link]) -> EntrySpec:
    doc, rend = version.document, version.rendition or {}
    media = tuple(
        MediaSpec(
            url=str(m["url"]),
            mime_type=m.get("mime_type", "image/jpeg"),
            width=m.get("width"),
            height=m.get("height"),
            credit=m.get("credit"),
            description=m.get("caption"),
        )
        for m in doc.get("media", [])
        if m.get("feed_reuse", True)
    )
    tags = tuple((t, t) for t in doc.get("tags", []))
    return EntrySpec(
        id=entry_id(settings, article.newsroom_id),
        title=rend.get("title", doc["headline"]),
        link=article_link(settings, article, doc, rend),
        content_html=rend["body_html"],
        summary_html=rend.get("summary_html"),
        summary_text=doc.get("standfirst"),
        published=datetime.fromisoformat(doc["published_at"]),
        updated=datetime.fromisoformat(doc.get("updated_at") or doc["published_at"]),
        authors=tuple(a["name"] for a in doc["byline"]),
        categories=((doc["section"], rend.get("section_label", doc["section"])), *tags),
        media=media,
        alternates=tuple(alts),
        language=article.language,
        machine_translated=article.machine_translated,
        correction=doc.get("correction_note") if doc.get("status") == "corrected" else None,
        image=media[0].url if media else None,
    )


def page_entries(session: Session, feed: Feed, size: int) -> list[tuple[Article, ArticleVersion]]:
    """The newest ``size`` entries of a feed: cost depends on ``size``, not on the archive."""
    rows = (
        session.execute(
            select(FeedEntry.article_id)
            .where(FeedEntry.feed_id == feed.id)
            .order_by(FeedEntry.position.desc())
            .limit(size)
        )
        .scalars()
        .all()
    )
    articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(rows)))}
    ready = latest_ready(session, list(rows))
    return [(articles[i], ready[i]) for i in rows if i in ready and articles[i].released]


def build_spec(session: Session, settings: Settings, feed: Feed) -> FeedSpec:
    """The subscription document of ``feed``: its newest ``feed_size`` entries."""
    pairs = page_entries(session, feed, settings.feed_size)
    alts = alternates(session, settings, [a for a, _ in pairs])
    entries = tuple(entry_spec(settings, a, v, alts.get(a.id, [])) for a, v in pairs)
    ref = FeedRef(feed.language, feed.kind, feed.value, feed.label)
    updated = max((e.updated for e in entries), default=EPOCH)
    title = f"{settings.outlet_name}"
    if ref.kind != "language":
        title = f"{settings.outlet_name}: {feed.label or feed.value}"
    return FeedSpec(
        id=feed_url(settings, ref.key, "atom"),
        title=title,
        subtitle=f"{settings.outlet_name} ({get_language(feed.language).native_name})",
        language=feed.language,
        home_url=f"{settings.site_url.rstrip('/')}/{feed.language}/",
        urls={fmt: feed_url(settings, ref.key, fmt) for fmt in FORMATS},
        updated=updated,
        entries=entries,
        author=settings.outlet_name,
        rights=f"© {settings.copyright_holder}",
        hubs=tuple(settings.websub_hubs),
    )
