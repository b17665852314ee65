"""Realistic article documents in the four languages, generated from the examples."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SECTIONS = ("kurdistan", "iraq", "syria", "world", "economy", "culture")
START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)


def seeds() -> dict[str, list[dict[str, Any]]]:
    """The example articles by language (their text is real, their sizes typical)."""
    by_lang: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(EXAMPLES.glob("*.json")):
        doc = json.loads(path.read_text("utf-8"))
        by_lang.setdefault(doc["language"], []).append(doc)
    return by_lang


def article(
    i: int, language: str, *, pool: dict[str, list[dict[str, Any]]], paragraphs: int = 6, prefix: str = "b"
) -> dict[str, Any]:
    """Article ``i``: a seed's text, its own id and time, a body of ``paragraphs`` paragraphs."""
    seed = pool[language][i % len(pool[language])]
    doc = copy.deepcopy(seed)
    doc.pop("translation_of", None)
    doc.pop("correction_note", None)
    doc.pop("updated_at", None)
    doc["id"] = f"{prefix}-{i}-{language}"
    doc["version"] = 1
    doc["status"] = "published"
    doc["headline"] = f"{seed['headline']} {i}"
    body = seed["body_html"].split("</p>")
    paras = [p + "</p>" for p in body if p.strip()]
    doc["body_html"] = "".join(paras[k % len(paras)] for k in range(paragraphs))
    doc["section"] = SECTIONS[i % len(SECTIONS)]
    doc["tags"] = [*seed.get("tags", [])[:2], f"t{i % 20}"]
    doc["published_at"] = (START + timedelta(minutes=i)).isoformat()
    doc["canonical_url"] = f"https://chira.example/{language}/{doc['section']}/{i}"
    return doc


def articles(
    n: int, languages: tuple[str, ...] = ("en", "ckb", "kmr", "ar"), *, prefix: str = "b", paragraphs: int = 6
) -> Iterator[dict[str, Any]]:
    pool = seeds()
    for i in range(n):
        yield article(i, languages[i % len(languages)], pool=pool, paragraphs=paragraphs, prefix=prefix)


def jsonl(docs: Iterator[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(d, ensure_ascii=False) for d in docs)
