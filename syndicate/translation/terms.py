"""Protected terms: names a machine must not translate freely.

:func:`protected_terms` is the only function the translation workflow calls:
source and target language in, ``(source form, target form)`` pairs out. It
reads the small built-in list below; a glossary in ``syndicate.languages``
with the same signature can take its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class TermPair:
    """How a protected name is written in the source language and in the target language."""

    source: str
    target: str
    note: str = ""


# Each concept: its form per public language code. A concept missing a language is not protected in it.
_BUILTIN: tuple[dict[str, str], ...] = (
    {"en": "Kurdistan Region", "ckb": "هەرێمی کوردستان", "kmr": "Herêma Kurdistanê", "ar": "إقليم كوردستان"},
    {"en": "Erbil", "ckb": "هەولێر", "kmr": "Hewlêr", "ar": "أربيل"},
    {"en": "Sulaymaniyah", "ckb": "سلێمانی", "kmr": "Silêmanî", "ar": "السليمانية"},
    {"en": "Duhok", "ckb": "دهۆک", "kmr": "Duhok", "ar": "دهوك"},
    {"en": "Halabja", "ckb": "هەڵەبجە", "kmr": "Helebce", "ar": "حلبجة"},
    {"en": "Kirkuk", "ckb": "کەرکووک", "kmr": "Kerkûk", "ar": "كركوك"},
    {"en": "Baghdad", "ckb": "بەغدا", "kmr": "Bexda", "ar": "بغداد"},
    {"en": "Greater Zab", "ckb": "زێی گەورە", "kmr": "Zêya Mezin", "ar": "الزاب الكبير"},
    {"en": "Newroz", "ckb": "نەورۆز", "kmr": "Newroz", "ar": "نوروز"},
    {"en": "Chira News", "ckb": "Chira News", "kmr": "Chira News", "ar": "Chira News"},
)


@lru_cache(maxsize=32)
def protected_terms(source_language: str, target_language: str) -> tuple[TermPair, ...]:
    """Protected names of ``source_language`` with their ``target_language`` form, longest first."""
    pairs = [
        TermPair(concept[source_language], concept[target_language])
        for concept in _BUILTIN
        if source_language in concept and target_language in concept
    ]
    # Longest first, so "Kurdistan Region" wins over a shorter name inside it.
    return tuple(sorted(pairs, key=lambda p: (-len(p.source), p.source)))
