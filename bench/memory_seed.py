"""Translation memory for benchmark corpora, so translations need no network.

Corpus articles are made from the example articles (``bench.corpus``); their
masked segments are the same for every article made from one seed (numbers
are placeholders), so a memory holding each seed's segments answers every
translation job exactly. Target texts come from the example written in the
target language (the same story where the examples have it): its words with
the source segment's placeholders spread through them in order, which is what
the memory requires of an approved segment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bench.corpus import article, seeds
from syndicate.domain.prepare import parse_document
from syndicate.translation.memory import remember
from syndicate.translation.placeholders import TOKEN_RE, token
from syndicate.translation.segments import SegmentSpec, split_document
from syndicate.translation.terms import protected_terms


def _prepared(raw: dict[str, Any]) -> dict[str, Any]:
    return parse_document(raw, max_bytes=10**7).document()  # type: ignore[union-attr]


def _spread(words: str, source: SegmentSpec) -> str:
    """Target-language words with the source's tokens placed through them, in order."""
    plain = TOKEN_RE.sub(" ", words).split()
    tokens = [token(p.id) for p in source.masked.placeholders]
    if not plain:
        return " ".join(tokens) if tokens else source.masked.text
    out: list[str] = []
    step = len(plain) / (len(tokens) + 1)
    cut = [round(step * (k + 1)) for k in range(len(tokens))]
    for i, word in enumerate(plain):
        out.append(word)
        out += [tokens[k] for k, at in enumerate(cut) if at == i + 1]
    out += [tokens[k] for k, at in enumerate(cut) if at > len(plain)]
    return " ".join(out)


def _counterpart(pool: dict[str, list[dict[str, Any]]], seed: dict[str, Any], target: str) -> dict[str, Any]:
    same_story = [d for d in pool[target] if d["id"] == seed["id"]]
    return same_story[0] if same_story else pool[target][0]


def seed_memory(session: Session, pairs: list[tuple[str, str]], *, paragraphs: int) -> int:
    """Store an approved segment for every segment of every corpus seed, per (source, target) pair."""
    pool = seeds()
    stored = 0
    for source, target in pairs:
        for index, seed in enumerate(pool[source]):
            doc = _prepared(article(index, source, pool=pool, paragraphs=paragraphs))
            split = split_document(doc, protected_terms(source, target))
            other = split_document(_prepared(_counterpart(pool, seed, target)), protected_terms(target, source))
            by_kind: dict[str, list[SegmentSpec]] = {}
            for spec in other.segments:
                by_kind.setdefault(spec.kind, []).append(spec)
            pairs_out, seen = [], dict.fromkeys(by_kind, 0)
            for spec in split.segments:
                # The n-th paragraph (caption...) of the source takes the n-th of the counterpart.
                candidates = by_kind.get(spec.kind) or other.segments
                nth = seen.get(spec.kind, 0)
                seen[spec.kind] = nth + 1
                words = candidates[nth % len(candidates)].masked.text
                pairs_out.append((spec.masked.text, _spread(words, spec)))
            stored += remember(session, source, target, pairs_out, origin="bench")
    return stored
