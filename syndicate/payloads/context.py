"""What every payload format needs to know about one version, after partner rules."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from syndicate.domain.images import partner_body


@dataclass(frozen=True)
class PayloadContext:
    newsroom_id: str
    uri: str  # stable id of the story in this language (tag: URI)
    version: int
    version_created: datetime
    document: dict[str, Any]
    rendition: dict[str, Any]
    link: str | None
    outlet: str
    copyright_holder: str
    media: tuple[dict[str, Any], ...] = ()
    translations: tuple[dict[str, Any], ...] = ()  # other language versions: language, uri, headline, link
    embargo_until: datetime | None = None
    notes: tuple[str, ...] = ()  # editorial notes: correction, machine translation (already localized)
    machine_translated: bool = False
    correction: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    first_created: datetime | None = None  # defaults to the document's published_at
    provider_uri: str | None = None  # the outlet's site, NewsML-G2 provider
    section_label: str | None = None  # localized name of the section
    source_language: str | None = None  # the language a translation was made from
    sequence: int | None = None  # the partner's sequence number of this item
    sent: datetime | None = None  # when the message was made available (NewsML-G2 header)

    @property
    def withdrawn(self) -> bool:
        return self.document.get("status") == "withdrawn"

    def for_partner(
        self, *, images: bool, show_embargo: bool, sequence: int | None = None, sent: datetime | None = None
    ) -> PayloadContext:
        """Apply a partner's entitlements: drop images it may not republish, hide the embargo.

        ``images`` is True only for partners licensed to republish every image
        (agency photos included); others keep the images marked for partner
        redistribution, in ``media`` and embedded in the body alike.
        """
        media = self.media if images else tuple(m for m in self.media if m.get("partner_redistribution"))
        rendition = self.rendition
        if rendition.get("body_html"):
            body = partner_body(rendition["body_html"], self.media, all_images=images)
            rendition = {**rendition, "body_html": body}
        return replace(
            self,
            media=media,
            rendition=rendition,
            embargo_until=self.embargo_until if show_embargo else None,
            sequence=sequence,
            sent=sent or self.sent,
        )
