"""Google News sitemap per language: stories of the last 48 hours, at most 1,000 of them.

``news:language`` is the registry's sitemap tag (``ckb``, ``kmr``: Google asks
for an ISO 639 code of 2 or 3 letters, which the feed tags ``ku-Arab`` and
``ku-Latn`` are not). ``news:publication_date`` is the original publication time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from syndicate.feeds import labels
from syndicate.feeds.documents import lock_site_document, store_site_document
from syndicate.feeds.urls import article_link, sitemap_path
from syndicate.languages.registry import LANGUAGES
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion, SiteDocument
from syndicate.storage.types import utcnow

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
WINDOW = timedelta(hours=48)
MAX_URLS = 1000
CONTENT_TYPE = "application/xml; charset=utf-8"


def sitemap_tag(language: str) -> str:
    lang = LANGUAGES.get(language)
    return lang.tag("sitemap") if lang else language


def recent_entries(session: Session, language: str, now: datetime) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """``(origin, document fields, rendition fields)`` of the public stories of ``language`` in the window.

    Newest first, from each article's newest processed version, in one statement (the index on
    language and publication time, then one index lookup per story). Only the fields a sitemap
    shows are read, as JSON fields in SQL: a language feed's rebuild refreshes its sitemap, and
    loading a thousand whole documents each time would cost more than the feed itself.
    """
    newer = aliased(ArticleVersion)
    newest = (
        select(func.max(newer.version))
        .where(newer.article_id == Article.id, newer.processed_at.is_not(None))
        .correlate(Article)
        .scalar_subquery()
    )
    doc, rend = ArticleVersion.document, ArticleVersion.rendition
    rows = session.execute(
        select(
            Article.origin,
            doc["canonical_url"].as_string(),
            doc["published_at"].as_string(),
            doc["headline"].as_string(),
            rend["path"].as_string(),
            rend["headline"].as_string(),
        )
        .join(ArticleVersion, (ArticleVersion.article_id == Article.id) & (ArticleVersion.version == newest))
        .where(
            Article.language == language,
            Article.published_at >= now - WINDOW,
            Article.published_at <= now,
            Article.released.is_(True),
            Article.withdrawn.is_(False),
        )
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(MAX_URLS)
    )
    return [
        (
            origin,
            {"canonical_url": url, "published_at": published, "headline": headline},
            {"path": path, "headline": shown},
        )
        for origin, url, published, headline, path, shown in rows
    ]


def write(settings: Settings, language: str, session: Session, now: datetime) -> bytes:
    root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP, "news": NEWS})
    name = labels.outlet(settings, language)
    for origin, doc, rend in recent_entries(session, language, now):
        url = etree.SubElement(root, f"{{{SITEMAP}}}url")
        etree.SubElement(url, f"{{{SITEMAP}}}loc").text = article_link(settings, origin, doc, rend)
        news = etree.SubElement(url, f"{{{NEWS}}}news")
        publication = etree.SubElement(news, f"{{{NEWS}}}publication")
        etree.SubElement(publication, f"{{{NEWS}}}name").text = name
        etree.SubElement(publication, f"{{{NEWS}}}language").text = sitemap_tag(language)
        published = datetime.fromisoformat(doc["published_at"])
        etree.SubElement(news, f"{{{NEWS}}}publication_date").text = published.isoformat()
        etree.SubElement(news, f"{{{NEWS}}}title").text = rend.get("headline") or doc["headline"]
    return etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=True)


def refresh(session: Session, settings: Settings, language: str, now: datetime | None = None) -> SiteDocument | None:
    """Store the sitemap of ``language``; returns it when its bytes changed."""
    now = now or utcnow()
    lock_site_document(session, sitemap_path(language), CONTENT_TYPE)
    body = write(settings, language, session, now)
    return store_site_document(session, sitemap_path(language), CONTENT_TYPE, body, now=now)


def refresh_all(session: Session, settings: Settings, now: datetime | None = None) -> list[SiteDocument]:
    """Refresh every language's sitemap (stories age out of the window without any new publication)."""
    return [doc for lang in LANGUAGES if (doc := refresh(session, settings, lang, now)) is not None]
