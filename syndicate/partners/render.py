"""Per-partner payloads, rendered when a partner pulls or a delivery is first attempted.

The stored version (document and rendition) is the input; what varies per
partner is applied here: images it may not republish are dropped, the embargo
is shown only to trusted partners, and the partner's sequence number is added.
Links to the other language versions are read at render time, so a partner
sees a translation published after the version itself as soon as it exists;
a push is rendered at its first attempt and then frozen, so its retries send
the same bytes under the same ``webhook-id``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from syndicate.partners.entitlement import show_embargo
from syndicate.partners.tables import Partner
from syndicate.payloads.build import FORMATS, StoryLinks, content_type, context_for, render_payload
from syndicate.settings import Settings
from syndicate.storage.models import ArticleVersion

# What the pull API's Accept header or ?format= may ask for.
MEDIA_TYPES = {
    "application/json": "ninjs",
    "application/ninjs+json": "ninjs",
    "application/vnd.iptc.g2.newsmessage+xml": "newsml",
    "application/xml": "newsml",
    "text/xml": "newsml",
}


@dataclass(frozen=True)
class Rendered:
    body: str
    content_type: str
    format: str

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body.encode("utf-8")).hexdigest()[:32] + '"'


def render(
    session: Session,
    settings: Settings,
    partner: Partner,
    version: ArticleVersion,
    fmt: str,
    *,
    sequence: int | None = None,
    sent: datetime | None = None,
    links: StoryLinks | None = None,
) -> Rendered:
    """The payload of ``version`` as ``partner`` may see it, in format ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown payload format {fmt!r}")
    ctx = context_for(session, settings, version, links).for_partner(
        images=partner.all_images, show_embargo=show_embargo(partner), sequence=sequence, sent=sent
    )
    return Rendered(render_payload(ctx, fmt), content_type(fmt), fmt)


def negotiate(accept: str | None, requested: str | None, offered: list[str]) -> str | None:
    """The format to answer with: ``?format=`` wins, then Accept, then the partner's first format.

    Returns None when nothing acceptable is among ``offered`` (the partner's formats).
    """
    if requested:
        return requested if requested in offered else None
    if not accept or accept.strip() in ("*/*", ""):
        return offered[0] if offered else None
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, media.strip().lower()))
    for negative_quality, _, media in sorted(ranked):
        if negative_quality >= 0:
            continue
        if media in ("*/*", "application/*"):
            return offered[0] if offered else None
        fmt = MEDIA_TYPES.get(media)
        if fmt in offered:
            return fmt
    return None
