"""Splitting an article into segments, and putting a translated article back together.

Segments: headline, standfirst, each body block (paragraph, heading, list
item, quote...), each image caption, the dateline and a correction note. The
body's markup outside the blocks becomes a *skeleton* with one marker per
block, so the translated body keeps the source's structure exactly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import html as lhtml

from syndicate.translation.placeholders import Masked, mask_html, mask_plain
from syndicate.translation.terms import TermPair

# Block elements: a block holding text (and no other block) is one segment.
BLOCKS = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "td", "th", "dt", "dd",
        "caption", "pre", "div", "ul", "ol", "table", "thead", "tbody", "tfoot", "tr", "figure", "dl",
    }
)  # fmt: skip
PLAIN_FIELDS = (("headline", "headline"), ("standfirst", "standfirst"), ("dateline", "dateline"))
_TEXT = re.compile(r"\S")
_TAGS = re.compile(r"<[^>]*>")


def marker(n: int) -> str:
    # Private-use characters: they cannot come from the cleaned newsroom body.
    return f"\ue000{n}\ue001"


@dataclass(frozen=True)
class SegmentSpec:
    key: str
    kind: str
    position: int
    html: bool
    masked: Masked

    @property
    def hash(self) -> str:
        return segment_hash(self.masked.text)


@dataclass(frozen=True)
class Split:
    segments: list[SegmentSpec]
    skeleton: str  # the body with marker(n) where body.n goes


def segment_hash(masked_text: str) -> str:
    """Identity of a segment's content: what the memory, the cache and corrections compare."""
    return hashlib.sha256(masked_text.encode("utf-8")).hexdigest()


def _inner(el: lhtml.HtmlElement) -> str:
    return (el.text or "") + "".join(lhtml.tostring(c, encoding="unicode", with_tail=True) for c in el)


def _has_own_text(el: lhtml.HtmlElement) -> bool:
    if el.text and el.text.strip():
        return True
    return any(child.tail and child.tail.strip() for child in el)


def _is_leaf(el: lhtml.HtmlElement) -> bool:
    """A segment: a block with no block inside, or with text of its own beside its blocks."""
    has_block_inside = any(isinstance(d.tag, str) and d.tag in BLOCKS for d in el.iterdescendants())
    return not has_block_inside or _has_own_text(el)


def _collect(el: lhtml.HtmlElement, leaves: list[lhtml.HtmlElement]) -> None:
    for child in el:
        if not isinstance(child.tag, str) or child.tag not in BLOCKS:
            continue
        if _is_leaf(child):
            leaves.append(child)
        else:
            _collect(child, leaves)


def split_body(body_html: str) -> tuple[list[str], str]:
    """The inner HTML of each text block, and the skeleton that holds their places."""
    root = lhtml.fragment_fromstring(body_html, create_parent="div")
    leaves: list[lhtml.HtmlElement] = []
    if _has_own_text(root):
        # Loose text at the top level: the whole body is one segment.
        return [_inner(root)], marker(1)
    _collect(root, leaves)
    blocks: list[str] = []
    for leaf in leaves:
        inner = _inner(leaf)
        if not _TEXT.search(_TAGS.sub("", inner)):
            continue  # an image or an empty block: nothing to translate
        blocks.append(inner)
        for child in list(leaf):
            leaf.remove(child)
        leaf.text = marker(len(blocks))
    return blocks, _inner(root)


def split_document(document: dict[str, Any], terms: Sequence[TermPair] = ()) -> Split:
    """Every translatable piece of a cleaned article document, in reading order."""
    specs: list[SegmentSpec] = []

    def add(key: str, kind: str, masked: Masked, html: bool = False) -> None:
        specs.append(SegmentSpec(key, kind, len(specs), html, masked))

    for field, kind in PLAIN_FIELDS[:2]:
        if document.get(field):
            add(field, kind, mask_plain(document[field], terms))
    blocks, skeleton = split_body(document["body_html"])
    for n, block in enumerate(blocks, start=1):
        add(f"body.{n}", "paragraph", mask_html(block, terms), html=True)
    for i, media in enumerate(document.get("media", [])):
        if media.get("caption"):
            add(f"media.{i}.caption", "caption", mask_plain(media["caption"], terms))
    if document.get("dateline"):
        add("dateline", "dateline", mask_plain(document["dateline"], terms))
    if document.get("status") == "corrected" and document.get("correction_note"):
        add("correction_note", "correction", mask_plain(document["correction_note"], terms))
    return Split(specs, skeleton)


def assemble(document: dict[str, Any], skeleton: str, texts: dict[str, str]) -> dict[str, Any]:
    """A copy of the source document with every segment replaced by its (restored) translation."""
    out = {**document, "media": [dict(m) for m in document.get("media", [])]}
    for key in ("headline", "standfirst", "dateline", "correction_note"):
        if key in texts:
            out[key] = texts[key]
    body = skeleton
    n = 1
    while marker(n) in body:
        body = body.replace(marker(n), texts[f"body.{n}"])
        n += 1
    out["body_html"] = body
    for i, media in enumerate(out["media"]):
        key = f"media.{i}.caption"
        if key in texts:
            media["caption"] = texts[key]
    return out
