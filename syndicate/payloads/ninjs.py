"""IPTC ninjs 2.2 (JSON) for one article version."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from syndicate.languages.localize import photo_credit, tag_labels
from syndicate.languages.registry import get_language
from syndicate.payloads.context import PayloadContext
from syndicate.urls import iri_to_uri

STANDARD = {
    "name": "ninjs",
    "version": "2.2",
    "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json#",
}
CONTENT_TYPE = "application/json; charset=utf-8"


def _ts(value: str | datetime) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _image(index: int, media: dict[str, Any], language: str) -> dict[str, Any]:
    # Stored documents are normalised at ingest; normalised again here for versions stored before that rule.
    url = iri_to_uri(str(media["url"]))
    rendition: dict[str, Any] = {
        "name": "original",
        "href": url,
        "contenttype": media.get("mime_type", "image/jpeg"),
    }
    if media.get("width"):
        rendition["width"] = media["width"]
    if media.get("height"):
        rendition["height"] = media["height"]
    item: dict[str, Any] = {
        "name": f"image{index}",
        "uri": url,
        "type": "picture",
        "renditions": [rendition],
    }
    if media.get("caption"):
        item["descriptions"] = [{"role": "caption", "contenttype": "text/plain", "value": media["caption"]}]
    if media.get("credit"):
        # ninjs "by" is a natural-language statement: the credit line readers see under the image.
        item["by"] = photo_credit(language, media["credit"])
    if media.get("rights_holder"):
        item["copyrightholder"] = media["rights_holder"]
    return item


def build(ctx: PayloadContext) -> dict[str, Any]:
    """The ninjs object; ``ctx`` already has the partner's rules applied."""
    doc, rend = ctx.document, ctx.rendition
    lang = get_language(doc["language"])
    withdrawn = doc.get("status") == "withdrawn"
    item: dict[str, Any] = {
        "uri": ctx.uri,
        "standard": STANDARD,
        "type": "text",
        "representationtype": "full",
        "version": str(ctx.version),
        "firstcreated": _ts(ctx.first_created or doc["published_at"]),
        "versioncreated": _ts(ctx.version_created),
        "pubstatus": "canceled" if withdrawn else "usable",
        "language": lang.tag("ninjs"),
        "headlines": [{"role": "main", "contenttype": "text/plain", "value": doc["headline"]}],
        "altids": [{"role": "newsroom-id", "value": ctx.newsroom_id}],
    }
    if ctx.sequence is not None:
        # ninjs has no sequence property: the partner's sequence number is an alternative id of the item.
        item["altids"].append({"role": "sequence", "value": str(ctx.sequence)})
    if ctx.embargo_until:
        item["embargoed"] = _ts(ctx.embargo_until)
    if doc.get("standfirst"):
        item["descriptions"] = [{"role": "summary", "contenttype": "text/plain", "value": doc["standfirst"]}]
    if not withdrawn:
        # ninjs has no dir: direction and language live in the HTML (the rendition wraps the body).
        body: dict[str, Any] = {"role": "main", "contenttype": "text/html", "value": rend["body_html"]}
        if rend.get("body_text"):
            body["charcount"] = len(rend["body_text"])
        item["bodies"] = [body]
    item["by"] = ", ".join(a["name"] for a in doc.get("byline", [])) or ctx.outlet
    if doc.get("dateline"):
        # The localized dateline (هەولێر، هەرێمی کوردستان), not the newsroom's English one.
        item["located"] = rend.get("dateline") or doc["dateline"]
    subjects = (
        [
            {
                "name": ctx.section_label or rend.get("section_label") or doc["section"],
                "rel": "section",
                "literal": doc["section"],
            }
        ]
        if doc.get("section")
        else []
    )
    # name: what readers of this language see (the glossary's); literal: the tag as stored, stable.
    subjects += [{"name": shown, "rel": "tag", "literal": tag} for tag, shown in tag_labels(doc, rend)]
    if subjects:
        item["subjects"] = subjects
    rights = doc.get("rights", {})
    item["copyrightholder"] = rights.get("copyright_holder") or ctx.copyright_holder
    item["copyrightnotice"] = f"© {datetime.fromisoformat(doc['published_at']).year} {item['copyrightholder']}"
    if rights.get("usage_terms"):
        item["usageterms"] = rights["usage_terms"]
    notes = [n for n in ctx.notes if n]
    if notes:
        item["ednote"] = " ".join(notes)
    if ctx.link:
        item["renditions"] = [{"name": "web", "href": iri_to_uri(ctx.link), "contenttype": "text/html"}]
    associations = [_image(i, m, doc["language"]) for i, m in enumerate(ctx.media, start=1)]
    associations += [
        {
            "name": f"translation-{alt['language']}",
            "uri": alt["uri"],
            "type": "text",
            "language": get_language(alt["language"]).tag("ninjs"),
            "version": str(alt["version"]),
            "headlines": [{"role": "main", "value": alt["headline"]}],
            "renditions": [{"name": "web", "href": iri_to_uri(alt["link"]), "contenttype": "text/html"}],
        }
        for alt in ctx.translations
    ]
    if associations:
        item["associations"] = associations
    return item


def dumps(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, sort_keys=False, indent=2)
