"""URL slugs from normalised text: native script for ckb/ar, Latin for kmr/en."""

from __future__ import annotations

import re
import unicodedata

from syndicate.languages.normalize import normalize
from syndicate.languages.registry import LANGUAGES

_SEPARATORS = re.compile(r"[^\w]+")
MAX_SLUG = 60


def slugify(text: str, language: str, max_length: int = MAX_SLUG) -> str:
    """A lower-case, hyphenated slug, cut on a word boundary at ``max_length``."""
    text = normalize(text, language, "key")
    native = LANGUAGES[language].slug_style == "native" if language in LANGUAGES else False
    out = []
    for ch in unicodedata.normalize("NFKD" if not native else "NFC", text):
        cat = unicodedata.category(ch)
        if cat in ("Mn", "Cf", "Cc") or ch == "\u0640":
            continue
        if not native and not ch.isascii():
            continue
        out.append(ch)
    slug = _SEPARATORS.sub("-", "".join(out).lower()).strip("-_")
    slug = slug.replace("_", "-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug
