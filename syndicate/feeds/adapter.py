"""The only module that talks to feedgen.

feedgen 1.0 builds the skeleton of RSS and Atom documents; this adapter then
patches the lxml tree where feedgen falls short (documented in
``docs/feeds.md``): it drops entry link attributes (feedgen #135), wraps a
single image in a lone ``media:group`` (a W3C validator error), has no
``media:credit``/``media:description``, keeps only ``rel=self`` in RSS, and has
no per-entry ``xml:lang``. Entries are always appended and ``updated`` is set
from the spec, so output depends only on the spec.
"""

from __future__ import annotations

from typing import Any

from feedgen.feed import FeedGenerator
from lxml import etree

from syndicate.feeds.spec import EntrySpec, FeedSpec, Link
from syndicate.languages.registry import LANGUAGES

ATOM = "http://www.w3.org/2005/Atom"
MEDIA = "http://search.yahoo.com/mrss/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
FH = "http://purl.org/syndication/history/1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RSS_NSMAP: dict[str | None, str] = {"atom": ATOM, "content": CONTENT, "dc": DC, "media": MEDIA, "fh": FH}
ATOM_NSMAP: dict[str | None, str] = {None: ATOM, "media": MEDIA, "fh": FH}


def feed_tag(language: str) -> str:
    """Feeds carry the tag the W3C validator accepts (ku-Arab, not ckb)."""
    lang = LANGUAGES.get(language)
    return lang.tag("feed") if lang else language


def generator(spec: FeedSpec) -> FeedGenerator:
    """A feedgen generator holding the spec's channel data and entries, in order."""
    fg = FeedGenerator()
    fg.load_extension("media", atom=True, rss=True)
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(spec.id)
    fg.title(spec.title)
    fg.subtitle(spec.subtitle)
    fg.description(spec.subtitle)
    fg.language(feed_tag(spec.language))
    fg.author({"name": spec.author})
    fg.updated(spec.updated)
    fg.lastBuildDate(spec.updated)
    fg.generator(spec.generator)
    if spec.rights:
        fg.rights(spec.rights)
    if spec.icon:
        fg.icon(spec.icon)
        fg.logo(spec.icon)
    for entry in spec.entries:
        _add_entry(fg, entry)
    return fg


def _add_entry(fg: FeedGenerator, spec: EntrySpec) -> None:
    fe = fg.add_entry(order="append")
    fe.id(spec.id)
    fe.guid(spec.id, permalink=False)
    fe.title(spec.title)
    fe.link(href=spec.link, rel="alternate")
    fe.published(spec.published)
    fe.updated(spec.updated)
    for name in spec.authors:
        fe.author({"name": name})
        fe.dc.dc_creator(name, replace=False)
    # summary() also sets the RSS description; content() becomes content:encoded.
    fe.summary(spec.summary_html or spec.content_html, type="html")
    fe.content(spec.content_html, type="html")
    for term, label in spec.categories:
        fe.category(term=term, label=label)
    for m in spec.media:
        attrs: dict[str, Any] = {"url": m.url, "type": m.mime_type, "medium": "image", "group": None}
        if m.width:
            attrs["width"] = str(m.width)
        if m.height:
            attrs["height"] = str(m.height)
        fe.media.content(**attrs)


def renamespace(root: etree._Element, nsmap: dict[str | None, str]) -> etree._Element:
    """Copy ``root`` with all prefixes declared once, at the top.

    feedgen writes Atom's namespace as a literal ``xmlns`` attribute, so the
    tree is re-parsed first to give every element its real namespace.
    """
    root = etree.fromstring(etree.tostring(root))
    new = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
    new.text = root.text
    for child in list(root):
        new.append(child)
    return new


def add_link(parent: etree._Element, tag: str, link: Link) -> etree._Element:
    el = etree.SubElement(parent, tag)
    el.set("href", link.href)
    el.set("rel", link.rel)
    if link.type:
        el.set("type", link.type)
    if link.hreflang:
        el.set("hreflang", link.hreflang)
    if link.title:
        el.set("title", link.title)
    return el


def media_details(item: etree._Element, entry: EntrySpec) -> None:
    # feedgen writes one media:content per image; add credit and description inside it.
    for content, media in zip(item.findall(f"{{{MEDIA}}}content"), entry.media, strict=True):
        if media.credit:
            credit = etree.SubElement(content, f"{{{MEDIA}}}credit", role="author")
            credit.text = media.credit
        if media.description:
            desc = etree.SubElement(content, f"{{{MEDIA}}}description", type="plain")
            desc.text = media.description


def feed_links(spec: FeedSpec, fmt: str) -> list[Link]:
    mime = {"rss": "application/rss+xml", "atom": "application/atom+xml"}[fmt]
    links = [Link(spec.urls[fmt], "self", mime)]
    links += [Link(hub, "hub") for hub in spec.hubs]
    for rel, urls in (
        ("current", spec.current),
        ("prev-archive", spec.prev_archive),
        ("next-archive", spec.next_archive),
    ):
        if fmt in urls:
            links.append(Link(urls[fmt], rel, mime))
    return links


def serialize(root: etree._Element, nsmap: dict[str | None, str]) -> bytes:
    """Bytes of the finished tree, namespaces declared once on the root."""
    etree.cleanup_namespaces(root, top_nsmap=nsmap)
    return etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=True)


def rss_tree(spec: FeedSpec) -> etree._Element:
    """feedgen's RSS document for ``spec``, with every namespace declared at the top."""
    fg = generator(spec)
    fg.link(href=spec.home_url, rel="alternate")  # RSS <link> is the last link set: keep it last
    root, _doc = fg._create_rss(extensions=True)
    return renamespace(root, RSS_NSMAP)


def atom_tree(spec: FeedSpec) -> etree._Element:
    """feedgen's Atom document for ``spec``, with every namespace declared at the top."""
    fg = generator(spec)
    fg.link(href=spec.home_url, rel="alternate", type="text/html")
    root, _doc = fg._create_atom(extensions=True)
    return renamespace(root, ATOM_NSMAP)
