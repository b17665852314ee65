"""RSS 2.0 writer: a feed spec to bytes, through the feedgen adapter."""

from __future__ import annotations

from lxml import etree

from syndicate.feeds.adapter import (
    ATOM,
    FH,
    RSS_NSMAP,
    XML_LANG,
    add_link,
    feed_links,
    feed_tag,
    media_details,
    rss_tree,
    serialize,
)
from syndicate.feeds.spec import FeedSpec

CONTENT_TYPE = "application/rss+xml; charset=utf-8"


def write(spec: FeedSpec) -> bytes:
    root = rss_tree(spec)
    channel = root.find("channel")
    assert channel is not None
    # feedgen keeps only rel=self in RSS; RFC 5005 and WebSub need the others too (Appendix B).
    for old in channel.findall(f"{{{ATOM}}}link"):
        channel.remove(old)
    anchor = channel.find("description")
    index = list(channel).index(anchor) + 1 if anchor is not None else 0
    extra = [etree.Element(f"{{{FH}}}archive")] if spec.archive else []
    for link in feed_links(spec, "rss"):
        el = add_link(channel, f"{{{ATOM}}}link", link)
        channel.remove(el)
        extra.append(el)
    for offset, el in enumerate(extra):
        channel.insert(index + offset, el)
    for item, entry in zip(channel.findall("item"), spec.entries, strict=True):
        # xml:lang on <item> is accepted by the W3C validator and honoured by feedparser.
        item.set(XML_LANG, feed_tag(entry.language or spec.language))
        if entry.updated > entry.published:
            # RSS has no update time; atom:updated is the one the W3C validator accepts in an item.
            updated = etree.SubElement(item, f"{{{ATOM}}}updated")
            updated.text = entry.updated.isoformat()
        for alt in entry.alternates:
            add_link(item, f"{{{ATOM}}}link", alt)
        media_details(item, entry)
    return serialize(root, RSS_NSMAP)
