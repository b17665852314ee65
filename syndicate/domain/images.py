"""Images in the body follow the rights of the story's media: what may travel to feeds and partners.

The newsroom lists a story's images in ``media`` with their rights
(``partner_redistribution``, ``feed_reuse``); the body may also embed them
(``<figure><img>``, which cleaning allows). An ``<img>`` in the body has the
rights of the media entry with the same URL; one the newsroom did not list
has the defaults of an unlisted image: no redistribution to partners, reuse
in the outlet's own feeds. A forbidden image is removed with its ``<figure>``
when nothing else is left in it (the caption names the agency). The HTML is
parsed with lxml and only re-serialised when something was removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any

from lxml import html as lxml_html
from pydantic import AnyHttpUrl, TypeAdapter, ValidationError

_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)


def canonical_url(url: str) -> str:
    """The form media URLs are stored in (pydantic's), so a body ``src`` compares equal to its entry."""
    try:
        return str(_URL.validate_python(url.strip()))
    except ValidationError:
        return url.strip()


def _urls(media: Iterable[dict[str, Any]], wanted: Callable[[dict[str, Any]], bool]) -> frozenset[str]:
    return frozenset(canonical_url(str(m["url"])) for m in media if m.get("url") and wanted(m))


def strip_images(body_html: str, keep: Callable[[str], bool]) -> str:
    """``body_html`` without the ``<img>`` whose ``src`` ``keep`` refuses (and their emptied figures)."""
    if "<img" not in body_html.lower():
        return body_html
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    removed = False
    for img in list(root.iter("img")):
        if keep(canonical_url(img.get("src") or "")):
            continue
        figure = next(img.iterancestors("figure"), None)
        img.drop_tree()
        removed = True
        if figure is not None and next(figure.iter("img"), None) is None and figure.getparent() is not None:
            figure.drop_tree()
    if not removed:
        return body_html
    inner = escape(root.text or "", quote=False)
    return inner + "".join(lxml_html.tostring(child, encoding="unicode") for child in root)


def partner_body(body_html: str, media: Iterable[dict[str, Any]], *, all_images: bool) -> str:
    """The body for a partner: only images it may republish (every one if it is licensed for all)."""
    if all_images:
        return body_html
    allowed = _urls(media, lambda m: bool(m.get("partner_redistribution", False)))
    return strip_images(body_html, lambda url: url in allowed)


def feed_body(body_html: str, media: Iterable[dict[str, Any]]) -> str:
    """The body for public feeds: without the images whose rights forbid reuse in feeds."""
    forbidden = _urls(media, lambda m: not m.get("feed_reuse", True))
    if not forbidden:
        return body_html
    return strip_images(body_html, lambda url: url not in forbidden)
