"""Script-level helpers shared by normalisation and localization.

Character classes of the Arabic script, digit sets, bidirectional runs and a
way to touch only the text of (sanitised) HTML, never its tags or attributes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from html import escape
from typing import Literal

# CLDR numbering systems: latn 0123, arab ٠١٢٣ (Arabic-Indic), arabext ۰۱۲۳ (Persian).
DigitStyle = Literal["latn", "arab", "arabext"]


def _letters(*ranges: tuple[int, int]) -> str:
    chars = (chr(c) for lo, hi in ranges for c in range(lo, hi + 1))
    return "".join(ch for ch in chars if unicodedata.category(ch) == "Lo")


# Letters of the Arabic script (tatweel is Lm and deliberately not one of them).
ARABIC_LETTERS = _letters((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF))
ARABIC_LETTER_CLASS = "[" + re.escape(ARABIC_LETTERS) + "]"
ARABIC_WORD = re.compile(ARABIC_LETTER_CLASS + "+")
# Harakat, small high signs, superscript alef: combining marks of the Arabic block.
HARAKAT = "\u064b-\u065f\u0670"
TATWEEL = "\u0640"
ZWNJ, ZWJ = "\u200c", "\u200d"

ASCII_DIGITS = "0123456789"
NATIVE_DIGITS: dict[str, str] = {"arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹"}
_TO_ASCII = str.maketrans(NATIVE_DIGITS["arab"] + NATIVE_DIGITS["arabext"], ASCII_DIGITS * 2)
# Separators between digits (CLDR arab symbols) and the Arabic percent sign, in ASCII form.
_ARABIC_DECIMAL = re.compile(r"(?<=[0-9])\u066b(?=[0-9])")
_ARABIC_GROUP = re.compile(r"(?<=[0-9])\u066c(?=[0-9])")

# nh3 serialises attributes double-quoted with '"' escaped, so this splits tags from text.
_TAG = re.compile(r'(<(?:[^>"]|"[^"]*")*>)')
_TOKEN = re.compile(r"\S+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def ascii_digits(text: str) -> str:
    """One canonical digit form: Arabic-Indic (٠–٩) and Persian (۰–۹) digits become ASCII."""
    text = text.translate(_TO_ASCII)
    text = _ARABIC_DECIMAL.sub(".", text)
    text = _ARABIC_GROUP.sub(",", text)
    return text.replace("\u066a", "%")


def _native_token(token: str, digits: str) -> str:
    out = re.sub(r"(?<=[0-9])\.(?=[0-9])", "\u066b", token)
    out = re.sub(r"(?<=[0-9]),(?=[0-9])", "\u066c", out)
    out = re.sub(r"(?<=[0-9])%", "\u066a", out)
    return out.translate(str.maketrans(ASCII_DIGITS, digits))


def localize_digits(text: str, style: DigitStyle) -> str:
    """Write ASCII digits in ``style``; Latin tokens (F-16, COVID-19, URLs) keep theirs."""
    digits = NATIVE_DIGITS.get(style)
    if digits is None or not any(ch in ASCII_DIGITS for ch in text):
        return text

    def token(match: re.Match[str]) -> str:
        word = match.group()
        if _LATIN.search(word) or not any(ch in ASCII_DIGITS for ch in word):
            return word
        return _native_token(word, digits)

    return _TOKEN.sub(token, text)


def map_html_text(html: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to the text between tags of sanitised HTML; tags pass untouched."""
    parts = _TAG.split(html)
    return "".join(part if i % 2 else fn(part) for i, part in enumerate(parts))


def strong_direction(ch: str) -> str | None:
    """``ltr``/``rtl`` for strongly directional characters, None for neutrals and digits."""
    kind = unicodedata.bidirectional(ch)
    if kind == "L":
        return "ltr"
    if kind in ("R", "AL"):
        return "rtl"
    return None


_OPENERS, _CLOSERS = "([{«", ")]}»"


def _run_end(text: str, start: int, run_direction: str) -> int:
    """End of the opposite-direction run that starts at ``start``."""
    last = start + 1
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        strong = strong_direction(ch)
        if strong is not None and strong != run_direction:
            break
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS and depth:
            depth -= 1
            last = i + 1
        if strong == run_direction or unicodedata.bidirectional(ch) in ("EN", "AN"):
            last = i + 1
        i += 1
    return last


def isolate_html(text: str, direction: str) -> str:
    """Escape plain ``text`` for HTML, wrapping runs opposite to ``direction`` in ``<bdi>``.

    A Latin name inside a Sorani headline (or an Arabic one inside an English
    headline) otherwise drags neighbouring punctuation and numbers to the wrong
    side. Runs start at a strong character of the other direction and end at the
    last strong character or number of it, so edge punctuation stays outside.
    """
    other = "ltr" if direction == "rtl" else "rtl"
    out: list[str] = []
    i = 0
    plain_from = 0
    while i < len(text):
        if strong_direction(text[i]) == other:
            end = _run_end(text, i, other)
            out.append(escape(text[plain_from:i], quote=False))
            out.append(f"<bdi>{escape(text[i:end], quote=False)}</bdi>")
            i = plain_from = end
            continue
        i += 1
    out.append(escape(text[plain_from:], quote=False))
    return "".join(out)
