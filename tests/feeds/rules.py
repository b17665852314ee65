"""Explicit checks of the rules the W3C Feed Validation Service and JSON Feed 1.1 enforce.

The W3C validator itself is not installable offline here (no packaged copy on
PyPI, npm or Debian 12), so every rule listed in ``shared/docs/formats.md`` §10,
plus the RSS 2.0 / Atom / RFC 5005 / Media RSS requirements our feeds touch, is
checked on the bytes directly.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
MEDIA = "http://search.yahoo.com/mrss/"
FH = "http://purl.org/syndication/history/1.0"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RFC5005 = {"current", "first", "last", "next", "next-archive", "prev-archive", "previous"}
# Primary subtags the validator's ISO 639 table knows for our languages; ckb and kmr are refused there.
VALIDATOR_LANGUAGES = {"en", "ar", "ku"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$")
# RFC 2396 characters: what the validator accepts in links, guids and media URLs.
URI = re.compile(r"^[a-zA-Z][0-9a-zA-Z+.-]*:(//)?[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]+$")
CREDIT_ROLES = {"author", "photographer", "producer", "editor"}
JSON_FEED_KEYS = {
    "version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url", "icon",
    "favicon", "authors", "language", "expired", "hubs", "items",
}  # fmt: skip
JSON_ITEM_KEYS = {
    "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image", "banner_image",
    "date_published", "date_modified", "authors", "tags", "language", "attachments",
}  # fmt: skip


def _tag_ok(tag: str | None) -> bool:
    return bool(tag) and tag.split("-")[0].lower() in VALIDATOR_LANGUAGES  # type: ignore[union-attr]


def _check_media(parent: etree._Element, where: str) -> None:
    for group in parent.findall(f"{{{MEDIA}}}group"):
        assert len(group.findall(f"{{{MEDIA}}}content")) >= 2, f"{where}: media:group with a single media:content"
    for content in parent.findall(f"{{{MEDIA}}}content"):
        assert URI.match(content.get("url", "")), f"{where}: media:content url {content.get('url')!r}"
        assert content.get("medium") in (None, "image", "audio", "video", "document", "executable")
        for credit in content.findall(f"{{{MEDIA}}}credit"):
            assert credit.get("role", "author") in CREDIT_ROLES and (credit.text or "").strip()
        for desc in content.findall(f"{{{MEDIA}}}description"):
            assert desc.get("type", "plain") in ("plain", "html")


def _check_links(links: list[etree._Element], where: str, entry: bool) -> None:
    seen = set()
    for link in links:
        rel = link.get("rel", "alternate")
        assert URI.match(link.get("href", "")), f"{where}: link href {link.get('href')!r} is not an RFC 2396 URI"
        if link.get("hreflang") is not None:
            assert _tag_ok(link.get("hreflang")), f"{where}: hreflang {link.get('hreflang')!r}"
        if entry:
            assert rel not in RFC5005, f"{where}: RFC 5005 link {rel!r} inside an entry"
        if rel == "alternate":
            key = (link.get("type"), link.get("hreflang"))
            assert key not in seen, f"{where}: duplicate alternate links with the same type and hreflang {key}"
            seen.add(key)


def _check_history(links: list[etree._Element], archive: bool, self_url: str, where: str) -> None:
    rels = {link.get("rel") for link in links}
    assert "self" in rels, f"{where}: no rel=self"
    selfs = [link.get("href") for link in links if link.get("rel") == "self"]
    assert selfs == [self_url], f"{where}: rel=self {selfs} is not the URL it is served at ({self_url})"
    if archive:
        assert "current" in rels, f"{where}: fh:archive without a current link"


def check_rss(body: bytes, self_url: str) -> etree._Element:
    root = etree.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"channel without {name}"
    assert URI.match(channel.findtext("link") or "")
    assert _tag_ok(channel.findtext("language")), f"channel language {channel.findtext('language')!r}"
    links = channel.findall(f"{{{ATOM}}}link")
    _check_links(links, "channel", entry=False)
    _check_history(links, channel.find(f"{{{FH}}}archive") is not None, self_url, "channel")
    assert RFC822.match(channel.findtext("lastBuildDate") or ""), "lastBuildDate is not RFC 822"
    guids = set()
    for item in channel.findall("item"):
        assert item.findtext("title") or item.findtext("description"), "item needs a title or a description"
        guid = item.find("guid")
        assert guid is not None and guid.text not in guids, "item without a unique guid"
        guids.add(guid.text)
        assert guid.get("isPermaLink") == "false" or URI.match(guid.text or "")
        assert _tag_ok(item.get(XML_LANG)), f"item xml:lang {item.get(XML_LANG)!r}"
        assert URI.match(item.findtext("link") or "")
        children = [c.tag for c in item]
        if f"{{{CONTENT}}}encoded" in children:
            assert children.index("description") < children.index(f"{{{CONTENT}}}encoded")
        assert RFC822.match(item.findtext("pubDate") or "")
        for updated in item.findall(f"{{{ATOM}}}updated"):
            assert RFC3339.match(updated.text or "")
        _check_links(item.findall(f"{{{ATOM}}}link"), "item", entry=True)
        _check_media(item, "item")
    return root


def check_atom(body: bytes, self_url: str) -> etree._Element:
    root = etree.fromstring(body)
    assert root.tag == f"{{{ATOM}}}feed"
    assert _tag_ok(root.get(XML_LANG)), f"feed xml:lang {root.get(XML_LANG)!r}"
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{ATOM}}}"):
            plain = [a for a in element.attrib if not a.startswith("{")]
            assert "dir" not in plain, f"plain dir attribute on {element.tag}"
        lang = element.get(XML_LANG)
        assert lang is None or _tag_ok(lang), f"xml:lang {lang!r}"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{{{ATOM}}}{name}")) == 1, f"feed needs exactly one {name}"
    assert RFC3339.match(root.findtext(f"{{{ATOM}}}updated") or "")
    links = root.findall(f"{{{ATOM}}}link")
    _check_links(links, "feed", entry=False)
    _check_history(links, root.find(f"{{{FH}}}archive") is not None, self_url, "feed")
    feed_author = root.find(f"{{{ATOM}}}author") is not None
    ids = set()
    for entry in root.findall(f"{{{ATOM}}}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{{{ATOM}}}{name}")) == 1, f"entry needs exactly one {name}"
        entry_id = entry.findtext(f"{{{ATOM}}}id")
        assert entry_id not in ids
        ids.add(entry_id)
        assert feed_author or entry.find(f"{{{ATOM}}}author") is not None, "Missing entry element: author"
        for name in ("updated", "published"):
            for value in entry.findall(f"{{{ATOM}}}{name}"):
                assert RFC3339.match(value.text or "")
        content = entry.find(f"{{{ATOM}}}content")
        assert content is not None and content.get("type") == "html"
        entry_links = entry.findall(f"{{{ATOM}}}link")
        _check_links(entry_links, "entry", entry=True)
        _check_media(entry, "entry")
    return root


def check_jsonfeed(body: bytes) -> dict[str, Any]:
    """JSON Feed 1.1: required fields, string ids, content, RFC 3339 dates, extension key names."""
    data = json.loads(body)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(data["title"], str) and data["title"]
    assert isinstance(data["items"], list)
    for key in data:
        assert key in JSON_FEED_KEYS or re.match(r"^_[A-Za-z]", key), f"unknown top-level key {key!r}"
    for key in ("home_page_url", "feed_url", "next_url"):
        if key in data:
            assert URI.match(data[key]), key
    assert re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", data.get("language", "en"))
    for hub in data.get("hubs", []):
        assert set(hub) == {"type", "url"} and URI.match(hub["url"])
    for author in data.get("authors", []):
        assert isinstance(author.get("name"), str)
    ids = set()
    for item in data["items"]:
        for key in item:
            assert key in JSON_ITEM_KEYS or re.match(r"^_[A-Za-z]", key), f"unknown item key {key!r}"
        assert isinstance(item["id"], str) and item["id"] and item["id"] not in ids
        ids.add(item["id"])
        assert isinstance(item.get("content_html"), str) or isinstance(item.get("content_text"), str)
        for key in ("date_published", "date_modified"):
            if key in item:
                assert RFC3339.match(item[key]), f"{key} {item[key]!r} is not RFC 3339"
                assert datetime.fromisoformat(item[key]).tzinfo is not None
        for key in ("url", "image"):
            if key in item:
                assert URI.match(item[key]), key
        assert all(isinstance(t, str) for t in item.get("tags", []))
        assert all(isinstance(a.get("name"), str) for a in item.get("authors", []))
        if "language" in item:
            assert re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", item["language"])
    return data  # type: ignore[no-any-return]
