"""IPTC NewsML-G2 2.35: one ``newsMessage`` carrying the ``newsItem`` of one article version.

Right-to-left text: ``xml:lang`` and ``dir`` sit on the item and on every text
property, and the XHTML body carries ``lang``/``dir`` itself. QCodes resolve
through the IPTC G2 standards catalog named in ``catalogRef``.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from syndicate.languages.localize import photo_credit, tag_labels
from syndicate.languages.registry import get_language
from syndicate.payloads.context import PayloadContext
from syndicate.urls import iri_to_uri

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_40.xml"
STANDARD_VERSION = "2.35"
CONTENT_TYPE = "application/vnd.iptc.g2.newsmessage+xml; charset=utf-8"


def _ts(value: datetime | str) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: Any) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAR}}}{name}")
    for key, value in attrs.items():
        if value is not None:
            element.set(key, str(value))
    if text is not None:
        element.text = text
    return element


def _text(parent: etree._Element, name: str, text: str, lang: str, direction: str, **attrs: Any) -> etree._Element:
    """A text property with its own language and direction."""
    element = _el(parent, name, text, **attrs)
    element.set(XML_LANG, lang)
    element.set("dir", direction)
    return element


def _named(parent: etree._Element, name: str, label: str, **attrs: Any) -> etree._Element:
    element = _el(parent, name, **attrs)
    _el(element, "name", label)
    return element


def xhtml_body(body_html: str, headline: str, lang: str, direction: str) -> etree._Element:
    """The HTML body as a well-formed XHTML document (lxml parses, never string surgery)."""
    root = etree.Element(f"{{{XHTML}}}html", nsmap={None: XHTML})
    root.set("lang", lang)
    root.set("dir", direction)
    head = etree.SubElement(root, f"{{{XHTML}}}head")
    etree.SubElement(head, f"{{{XHTML}}}title").text = headline
    body = etree.SubElement(root, f"{{{XHTML}}}body")
    for node in lxml_html.fragments_fromstring(body_html):
        if isinstance(node, str):
            body.text = (body.text or "") + node
            continue
        lxml_html.html_to_xhtml(node)
        body.append(node)
    return root


def _item_meta(item: etree._Element, ctx: PayloadContext, lang: str, direction: str) -> None:
    meta = _el(item, "itemMeta")
    _el(meta, "itemClass", qcode="ninat:text")
    _named(meta, "provider", ctx.outlet, uri=ctx.provider_uri, literal=None if ctx.provider_uri else ctx.outlet)
    _el(meta, "versionCreated", _ts(ctx.version_created))
    _el(meta, "firstCreated", _ts(ctx.first_created or ctx.document["published_at"]))
    if ctx.embargo_until:
        _el(meta, "embargoed", _ts(ctx.embargo_until))
    _el(meta, "pubStatus", qcode="stat:canceled" if ctx.withdrawn else "stat:usable")
    for note in ctx.notes:
        _text(meta, "edNote", note, lang, direction)
    if ctx.correction is not None:
        _el(meta, "signal", qcode="sig:correction")
    if ctx.link:
        _el(meta, "link", rel="irel:seeAlso", href=iri_to_uri(ctx.link), contenttype="text/html")
    for alt in ctx.translations:
        other = get_language(alt["language"])
        link = _el(
            meta,
            "link",
            rel="irel:seeAlso",
            residref=alt["uri"],
            version=alt.get("version"),
            href=iri_to_uri(alt["link"]),
            contenttype="text/html",
            title=alt["headline"],
        )
        link.set(XML_LANG, other.tag("newsml"))
        link.set("dir", other.direction)


def _rights(item: etree._Element, ctx: PayloadContext, lang: str, direction: str) -> None:
    doc = ctx.document
    rights = doc.get("rights", {})
    holder = rights.get("copyright_holder") or ctx.copyright_holder
    info = _el(item, "rightsInfo")
    _named(info, "copyrightHolder", holder)
    year = datetime.fromisoformat(doc["published_at"]).year
    _el(info, "copyrightNotice", f"© {year} {holder}")
    if rights.get("usage_terms"):
        _text(info, "usageTerms", rights["usage_terms"], lang, direction)
    if rights.get("license_url"):
        _el(info, "link", href=iri_to_uri(str(rights["license_url"])))


def _content_meta(item: etree._Element, ctx: PayloadContext, lang: str, direction: str) -> None:
    doc = ctx.document
    # The localized dateline (هەولێر، هەرێمی کوردستان), as readers of this language see it.
    dateline = ctx.rendition.get("dateline") or doc.get("dateline")
    meta = _el(item, "contentMeta")
    meta.set(XML_LANG, lang)
    meta.set("dir", direction)
    _el(meta, "contentCreated", _ts(doc["published_at"]))
    _el(meta, "contentModified", _ts(ctx.version_created))
    if dateline:
        _named(meta, "located", dateline)
    for author in doc.get("byline", []):
        _named(meta, "creator", author["name"])
    _el(meta, "language", tag=lang)
    if doc.get("section"):
        subject = _el(meta, "subject", type="cpnat:abstract", literal=f"section:{doc['section']}")
        _text(subject, "name", ctx.section_label or doc["section"], lang, direction)
    # The literal keeps the tag as stored; the name is what readers of this language see.
    for tag, shown in tag_labels(doc, ctx.rendition):
        subject = _el(meta, "subject", type="cpnat:abstract", literal=f"tag:{tag}")
        _text(subject, "name", shown, lang, direction)
    _text(meta, "headline", doc["headline"], lang, direction)
    if dateline:
        _text(meta, "dateline", dateline, lang, direction)
    byline = ", ".join(a["name"] for a in doc.get("byline", []))
    if byline:
        _text(meta, "by", byline, lang, direction)
    for media in ctx.media:
        if media.get("credit"):
            _text(meta, "creditline", photo_credit(doc["language"], media["credit"]), lang, direction)
    if doc.get("standfirst"):
        _text(meta, "description", doc["standfirst"], lang, direction, role="drol:summary")
    for media in ctx.media:
        if media.get("caption"):
            _text(meta, "description", media["caption"], lang, direction, role="drol:caption")


def _content_set(item: etree._Element, ctx: PayloadContext, lang: str, direction: str) -> None:
    rend = ctx.rendition
    body_html = rend.get("body_html")
    if ctx.withdrawn or not body_html:
        return
    content = _el(item, "contentSet")
    inline = _el(content, "inlineXML", contenttype="application/xhtml+xml")
    inline.set(XML_LANG, lang)
    inline.set("dir", direction)
    inline.append(xhtml_body(body_html, ctx.document["headline"], lang, direction))
    for media in ctx.media:
        _el(
            content,
            "remoteContent",
            href=iri_to_uri(str(media["url"])),
            contenttype=media.get("mime_type", "image/jpeg"),
            width=media.get("width"),
            height=media.get("height"),
        )


def news_item(ctx: PayloadContext) -> etree._Element:
    language = get_language(ctx.document["language"])
    lang, direction = language.tag("newsml"), language.direction
    item = etree.Element(f"{{{NAR}}}newsItem", nsmap={None: NAR})
    item.set("guid", ctx.uri)
    item.set("version", str(ctx.version))
    item.set("standard", "NewsML-G2")
    item.set("standardversion", STANDARD_VERSION)
    item.set("conformance", "power")
    item.set(XML_LANG, lang)
    item.set("dir", direction)
    _el(item, "catalogRef", href=CATALOG)
    _rights(item, ctx, lang, direction)
    _item_meta(item, ctx, lang, direction)
    _content_meta(item, ctx, lang, direction)
    _content_set(item, ctx, lang, direction)
    return item


def build(ctx: PayloadContext) -> etree._Element:
    """The ``newsMessage``; ``ctx`` already has the partner's rules applied."""
    message = etree.Element(f"{{{NAR}}}newsMessage", nsmap={None: NAR})
    header = _el(message, "header")
    _el(header, "sent", _ts(ctx.sent or ctx.version_created))
    _el(header, "sender", ctx.outlet)
    if ctx.sequence is not None:
        # The partner's sequence number: gaps tell the receiver it missed a message.
        _el(header, "transmitId", str(ctx.sequence))
    item_set = _el(message, "itemSet")
    item_set.append(news_item(ctx))
    return message


def dumps(message: etree._Element) -> str:
    """Indented G2 markup; the XHTML body is left exactly as built (whitespace there is content)."""
    message = copy.deepcopy(message)
    bodies = []
    for inline in message.iter(f"{{{NAR}}}inlineXML"):
        children = list(inline)
        for child in children:
            inline.remove(child)
        bodies.append((inline, children))
    etree.indent(message, space="  ")
    for inline, children in bodies:
        inline.extend(children)
    return etree.tostring(message, xml_declaration=True, encoding="UTF-8").decode("utf-8") + "\n"
