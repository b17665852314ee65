"""Atom 1.0 writer: a feed spec to bytes, through the feedgen adapter."""

from __future__ import annotations

from lxml import etree

from syndicate.feeds.adapter import (
    ATOM,
    ATOM_NSMAP,
    FH,
    XML_LANG,
    add_link,
    atom_tree,
    feed_links,
    feed_tag,
    media_details,
    serialize,
)
from syndicate.feeds.spec import FeedSpec

CONTENT_TYPE = "application/atom+xml; charset=utf-8"


def write(spec: FeedSpec) -> bytes:
    root = atom_tree(spec)
    anchor = root.find(f"{{{ATOM}}}updated")
    index = list(root).index(anchor) + 1 if anchor is not None else 0
    extra = [etree.Element(f"{{{FH}}}archive")] if spec.archive else []
    for link in feed_links(spec, "atom"):
        el = add_link(root, f"{{{ATOM}}}link", link)
        root.remove(el)
        extra.append(el)
    for offset, el in enumerate(extra):
        root.insert(index + offset, el)
    for el, entry in zip(root.findall(f"{{{ATOM}}}entry"), spec.entries, strict=True):
        # Direction lives inside the escaped HTML content; Atom has no dir attribute.
        el.set(XML_LANG, feed_tag(entry.language or spec.language))
        main = el.find(f"{{{ATOM}}}link")
        if main is not None:
            main.set("type", "text/html")
        # feedgen #135 drops hreflang from entry links, so the alternates are written here.
        for alt in entry.alternates:
            add_link(el, f"{{{ATOM}}}link", alt)
        media_details(el, entry)
    return serialize(root, ATOM_NSMAP)
