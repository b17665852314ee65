"""OPML 2.0 list of every feed, grouped by language (one outline per feed and format)."""

from __future__ import annotations

from itertools import groupby

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds import labels
from syndicate.feeds.build import ref_of
from syndicate.feeds.documents import lock_site_document, store_site_document
from syndicate.feeds.spec import FORMATS
from syndicate.feeds.urls import OPML_PATH, feed_url, home_url
from syndicate.languages.registry import LANGUAGES
from syndicate.settings import Settings
from syndicate.storage.models import Feed, FeedDocument, SiteDocument

CONTENT_TYPE = "text/x-opml; charset=utf-8"
FORMAT_NAMES = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}
# OPML's type names a subscription list entry; JSON Feed readers accept "rss" outlines too.
OUTLINE_TYPE = "rss"


def write(session: Session, settings: Settings) -> bytes:
    """Every feed that has a subscription document, in a stable order."""
    feeds = list(
        session.scalars(
            select(Feed)
            .where(Feed.id.in_(select(FeedDocument.feed_id).where(FeedDocument.page == 0)))
            .order_by(Feed.language, Feed.kind != "language", Feed.kind, Feed.key)
        )
    )
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = settings.outlet_name
    body = etree.SubElement(root, "body")
    for language, group in groupby(feeds, key=lambda f: f.language):
        lang = LANGUAGES.get(language)
        folder = etree.SubElement(body, "outline", text=lang.english_name if lang else language)
        for feed in group:
            ref = ref_of(feed)
            title = labels.feed_title(settings, ref)
            for fmt in FORMATS:
                etree.SubElement(
                    folder,
                    "outline",
                    type=OUTLINE_TYPE,
                    text=f"{title} ({FORMAT_NAMES[fmt]})",
                    title=title,
                    xmlUrl=feed_url(settings, ref.key, fmt),
                    htmlUrl=home_url(settings, feed.language, ref.kind, ref.value),
                    language=lang.tag("feed") if lang else language,
                )
    return etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=True)


def refresh(session: Session, settings: Settings) -> SiteDocument | None:
    """Store the OPML list; returns it when its bytes changed."""
    lock_site_document(session, OPML_PATH, CONTENT_TYPE)
    return store_site_document(session, OPML_PATH, CONTENT_TYPE, write(session, settings))
