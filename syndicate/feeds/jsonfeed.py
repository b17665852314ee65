"""JSON Feed 1.1 writer (https://jsonfeed.org/version/1.1). feedgen cannot write JSON Feed.

JSON Feed has no ``dir``: the direction stays inside ``content_html`` and the
language is a BCP 47 tag (``ckb``, ``kmr``), which is what JSON readers expect,
unlike the ISO 639 tags the XML feeds need for the W3C validator.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from syndicate.feeds.spec import EntrySpec, FeedSpec
from syndicate.languages.registry import LANGUAGES

VERSION = "https://jsonfeed.org/version/1.1"
CONTENT_TYPE = "application/feed+json; charset=utf-8"
EXTENSION = "_syndicate"  # custom keys start with an underscore (JSON Feed 1.1, "Extensions")


def json_tag(language: str) -> str:
    lang = LANGUAGES.get(language)
    return lang.tag("jsonfeed") if lang else language


def rfc3339(moment: datetime) -> str:
    return moment.isoformat()


def _item(entry: EntrySpec, feed_language: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "url": entry.link,
        "title": entry.title,
        "content_html": entry.content_html,
    }
    if entry.summary_text:
        item["summary"] = entry.summary_text
    if entry.image:
        item["image"] = entry.image
    item["date_published"] = rfc3339(entry.published)
    item["date_modified"] = rfc3339(entry.updated)
    item["authors"] = [{"name": name} for name in entry.authors]
    item["tags"] = list(dict.fromkeys(label for _term, label in entry.categories))
    item["language"] = json_tag(entry.language or feed_language)
    extension: dict[str, Any] = {}
    if entry.alternates:
        extension["alternates"] = [{"url": a.href, "language": a.hreflang} for a in entry.alternates]
    if entry.media:
        extension["media"] = [
            {
                k: v
                for k, v in {
                    "url": m.url,
                    "mime_type": m.mime_type,
                    "width": m.width,
                    "height": m.height,
                    "credit": m.credit,
                    "description": m.description,
                }.items()
                if v is not None
            }
            for m in entry.media
        ]
    if entry.machine_translated:
        extension["machine_translated"] = True
    if entry.correction is not None:
        extension["correction"] = entry.correction
    if extension:
        item[EXTENSION] = extension
    return item


def document(spec: FeedSpec) -> dict[str, Any]:
    """The JSON Feed object for ``spec`` (key order is fixed, so the bytes are too)."""
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": spec.title,
        "home_page_url": spec.home_url,
        "feed_url": spec.urls["json"],
        "description": spec.subtitle,
        "language": json_tag(spec.language),
        "authors": [{"name": spec.author}],
    }
    if spec.icon:
        feed["icon"] = spec.icon
    if spec.hubs:
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in spec.hubs]
    # JSON Feed pages towards older items with next_url: RFC 5005's prev-archive.
    if "json" in spec.prev_archive:
        feed["next_url"] = spec.prev_archive["json"]
    links = {}
    neighbours = (("current", spec.current), ("prev-archive", spec.prev_archive), ("next-archive", spec.next_archive))
    for rel, urls in neighbours:
        if "json" in urls:
            links[rel] = urls["json"]
    if spec.archive or links:
        feed[EXTENSION] = {"archive": spec.archive, "links": links}
    feed["items"] = [_item(e, spec.language) for e in spec.entries]
    return feed


def write(spec: FeedSpec) -> bytes:
    return (json.dumps(document(spec), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
