"""Cleaning at ingest: make every text field safe for XML 1.0, JSON and HTML.

Three passes, in this order:
1. :func:`scrub` on the raw document, before validation, so that length
   limits see the real text: characters XML 1.0 cannot carry (C0/C1 controls,
   lone surrogates, U+FFFE/U+FFFF) are removed and text is NFC.
2. Per-language orthographic normalisation (``syndicate.languages.normalize``).
3. :func:`sanitize_html` on the body with nh3: a safe subset, no script, style,
   event handlers, or ``javascript:``/``data:`` URLs (``data:`` only for images).
   Plain-text fields (headline, captions, names...) go through
   :func:`plain_text`: they are text everywhere, and a partner that pastes a
   headline into a page must not find markup in it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

import nh3

# XML 1.0 Char production minus what is legal but never wanted in news text (C1 controls).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]+")

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "strong", "em", "b", "i",
    "u", "s", "a", "figure", "figcaption", "img", "table", "thead", "tbody", "tr", "th", "td", "caption",
    "span", "sub", "sup", "q", "cite", "abbr", "bdi", "bdo", "code", "pre", "hr", "div", "small", "mark",
    "time", "dl", "dt", "dd",
}  # fmt: skip
_COMMON_ATTRS = {"lang", "dir", "title"}
ALLOWED_ATTRIBUTES = {
    "*": _COMMON_ATTRS,
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto", "data"}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$", re.I)
_DIR_VALUES = {"ltr", "rtl", "auto"}
_URL_ATTRIBUTES = {"href", "src", "cite"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\ufeff]")


def strip_illegal(text: str) -> str:
    """Remove characters that XML 1.0 cannot carry, then compose (NFC)."""
    return unicodedata.normalize("NFC", _XML_ILLEGAL.sub("", text))


def plain_text(text: str) -> str:
    """Text without anything an HTML parser would take for markup (tags, comments, script bodies).

    Entities are decoded, so ``&lt;script&gt;`` cannot turn into a tag later;
    the loop runs until nothing changes (an encoded tag inside an encoded tag).
    A bare ``<`` or ``&`` that starts no markup stays as it is.
    """
    for _ in range(4):
        if "<" not in text and "&" not in text:
            break
        cleaned = strip_illegal(html.unescape(nh3.clean(text, tags=set(), strip_comments=True)))
        if cleaned == text:
            break
        text = cleaned
    return text


def one_line(text: str) -> str:
    """Collapse line breaks and tabs: headlines and captions are single lines."""
    return _LINE_BREAKS.sub(" ", text).strip()


def scrub(value: Any) -> Any:
    """Recursively clean every string (keys too) of a raw JSON document."""
    if isinstance(value, str):
        return strip_illegal(value)
    if isinstance(value, dict):
        return {strip_illegal(str(k)): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    # data: URLs are allowed for inline images only; everywhere else they can carry script.
    if value.lower().lstrip().startswith("data:") and not (
        tag == "img" and attr == "src" and _DATA_IMAGE.match(value.strip())
    ):
        return None
    if attr in _URL_ATTRIBUTES:
        # nh3 checks the scheme of href and src only; ``cite`` (and anything it misses) is checked here.
        scheme = _SCHEME.match(_INVISIBLE.sub("", value).lower())
        if scheme is not None and scheme.group(1) not in URL_SCHEMES:
            return None
    if attr == "dir" and value.lower() not in _DIR_VALUES:
        return None
    return value


def sanitize_html(html: str) -> str:
    """The body reduced to the safe subset that feeds, payloads and partners accept."""
    cleaned = nh3.clean(
        strip_illegal(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_attribute_filter,
        link_rel="noopener",
        strip_comments=True,
    )
    return cleaned.strip()


def visible_text(html: str) -> str:
    """Text content of sanitised HTML, for emptiness checks and summaries."""
    return nh3.clean(html, tags=set()).strip()
