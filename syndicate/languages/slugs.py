"""URL slugs from normalised text: native script for ckb/ar, Latin for kmr/en.

A slug is made from the *normalised* headline (so legacy spellings give the
same slug as modern ones), without format characters (ZWNJ, bidi controls),
combining marks (harakat, diacritics) or tatweel, with ASCII digits, lower
case, hyphenated, and cut to at most ``MAX_SLUG`` characters on a word
boundary: a 60-character Sorani slug is already ~330 bytes percent-encoded.
The article id, not the slug, identifies an article; slugs are decoration.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from syndicate.languages.normalize import normalize
from syndicate.languages.registry import LANGUAGES

MAX_SLUG = 60
_SEPARATORS = re.compile(r"[\W_]+")
_APOSTROPHES = re.compile("['’ʼ`]")
_GROUPING = re.compile(r"(?<=[0-9]),(?=[0-9]{3})")  # 400,000 -> 400000
# Latin letters without a canonical decomposition to an ASCII base.
_LATIN_EXTRA = str.maketrans(
    {"ı": "i", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "đ": "d", "Đ": "D",
     "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ħ": "h", "Ħ": "H"}
)  # fmt: skip


def slug_style(language: str) -> str:
    lang = LANGUAGES.get(language)
    return lang.slug_style if lang else "latin"


def _fold(text: str, language: str, native: bool) -> str:
    """Normalised, lower-case text without marks or format characters, words joined by hyphens."""
    text = _GROUPING.sub("", _APOSTROPHES.sub("", normalize(text, language, "title")))
    # NFC keeps أ and ئ whole in native slugs; NFKD splits Latin letters from their diacritics
    # and unfolds compatibility letters (℠ → SM). Lower case comes between the two passes,
    # before marks go: "İ".lower() is i + U+0307, and the dot must go too.
    form: Literal["NFC", "NFKD"] = "NFC" if native else "NFKD"
    text = unicodedata.normalize(form, text).translate(_LATIN_EXTRA).lower()
    kept = []
    for ch in unicodedata.normalize(form, text):
        if unicodedata.category(ch) in ("Mn", "Me", "Cf", "Cc") or ch == "\u0640":
            continue
        if not native and not ch.isascii():
            ch = " "  # a dropped letter still separates words
        kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept))
    if native:
        # What was taken out (a mark, an apostrophe) may have joined letters into a word the
        # normaliser never saw: ؠ̀ه gives ؠه, whose final ه is the vowel ە.
        text = normalize(text, language, "title")
    return _SEPARATORS.sub("-", text).strip("-")


def slugify(text: str, language: str, max_length: int = MAX_SLUG) -> str:
    """A lower-case, hyphenated slug of ``text``, cut on a word boundary at ``max_length`` (idempotent)."""
    native = slug_style(language) == "native"
    slug = _fold(text, language, native)
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[:max_length] else slug[:max_length]
        if native:
            # A word cut in the middle is a new word to the normaliser (its last ه may be ە).
            slug = _fold(slug, language, native)
    return slug.strip("-")
