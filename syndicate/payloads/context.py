"""What every payload format needs to know about one version, after partner rules."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any


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
    notes: tuple[str, ...] = ()  # editorial notes: correction, machine translation
    machine_translated: bool = False
    correction: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def for_partner(self, *, images: bool, show_embargo: bool) -> PayloadContext:
        """Apply a partner's entitlements: drop images it may not republish, hide the embargo."""
        media = self.media if images else tuple(m for m in self.media if m.get("partner_redistribution"))
        return replace(self, media=media, embargo_until=self.embargo_until if show_embargo else None)
