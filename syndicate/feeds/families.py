"""Which feeds an article belongs to: per language, section, tag and author."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syndicate.languages.glossary import get_glossary
from syndicate.languages.slugs import slug_style, slugify

KINDS = ("language", "section", "tag", "author")


@dataclass(frozen=True)
class FeedRef:
    """A feed identity. ``key`` is also its URL path under ``/feeds/``."""

    language: str
    kind: str = "language"
    value: str = ""
    label: str = ""

    @property
    def key(self) -> str:
        return self.language if self.kind == "language" else f"{self.language}/{self.kind}/{self.value}"

    @classmethod
    def parse(cls, key: str) -> FeedRef:
        parts = key.split("/")
        if len(parts) == 1:
            return cls(parts[0])
        if len(parts) == 3 and parts[1] in KINDS[1:] and parts[2]:
            return cls(parts[0], parts[1], parts[2])
        raise ValueError(f"not a feed key: {key!r}")


def feeds_for(document: dict[str, Any]) -> list[FeedRef]:
    """Every feed a cleaned article document belongs to (order is stable)."""
    lang = document["language"]
    refs = [FeedRef(lang), FeedRef(lang, "section", document["section"], document["section"])]
    seen: set[str] = set()
    glossary = get_glossary()
    for tag in document.get("tags", []):
        slug = slugify(tag, lang)
        if slug and slug not in seen:
            seen.add(slug)
            # The feed's title names the tag as readers of the language know it (Erbil → هەولێر).
            refs.append(FeedRef(lang, "tag", slug, glossary.localize_name(tag, lang)))
    seen.clear()
    for author in document.get("byline", []):
        # A Latin-script name in a native-slug language (ckb, ar, ...) keeps a Latin slug.
        latin = slugify(author["name"], "en") if slug_style(lang) == "native" else ""
        slug = latin or slugify(author["name"], lang)
        if slug and slug not in seen:
            seen.add(slug)
            refs.append(FeedRef(lang, "author", slug, author["name"]))
    return refs
