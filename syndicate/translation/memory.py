"""Translation memory: approved human segments per language pair.

An exact match (same masked source, same pair) is reused as a draft without
calling any backend. Fuzzy matches are only *offered* to the desk with their
rapidfuzz score; they never become a draft by themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.storage.types import utcnow
from syndicate.translation.placeholders import TOKEN_RE
from syndicate.translation.segments import segment_hash
from syndicate.translation.tables import MemoryEntry


@dataclass(frozen=True)
class Match:
    source_text: str
    target_text: str
    score: float  # 0-100; 100 = exact
    origin: str

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source_text, "target": self.target_text, "score": self.score, "origin": self.origin}


def exact(session: Session, source: str, target: str, hashes: Sequence[str]) -> dict[str, str]:
    """Stored translations by source hash, for the hashes the memory knows."""
    if not hashes:
        return {}
    rows = session.execute(
        select(MemoryEntry.source_hash, MemoryEntry.target_text).where(
            MemoryEntry.source_language == source,
            MemoryEntry.target_language == target,
            MemoryEntry.source_hash.in_(sorted(set(hashes))),
        )
    )
    return {h: text for h, text in rows}


def _comparable(masked: str) -> str:
    # Placeholder numbering says nothing about similarity: compare the words only.
    return " ".join(TOKEN_RE.sub(" ", masked).split())


def fuzzy(
    session: Session,
    source: str,
    target: str,
    text: str,
    *,
    threshold: float,
    limit: int,
    candidates: int = 500,
) -> list[Match]:
    """Similar approved segments (not the exact one), best first, each with its score."""
    length = len(text)
    rows = session.execute(
        select(MemoryEntry.source_text, MemoryEntry.target_text, MemoryEntry.origin, MemoryEntry.source_hash)
        .where(
            MemoryEntry.source_language == source,
            MemoryEntry.target_language == target,
            MemoryEntry.source_length.between(int(length * 0.5), int(length * 1.5) + 1),
        )
        .order_by(MemoryEntry.updated_at.desc())
        .limit(candidates)
    ).all()
    own = segment_hash(text)
    choices = {i: _comparable(r.source_text) for i, r in enumerate(rows) if r.source_hash != own}
    found = process.extract(_comparable(text), choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=limit)
    return [
        Match(rows[key].source_text, rows[key].target_text, round(float(score), 1), rows[key].origin)
        for _choice, score, key in found
    ]


def remember(
    session: Session,
    source: str,
    target: str,
    pairs: Iterable[tuple[str, str]],
    *,
    origin: str,
    now: datetime | None = None,
) -> int:
    """Store approved (masked source, masked target) pairs; a newer approval replaces an older one."""
    now = now or utcnow()
    stored = 0
    for source_text, target_text in pairs:
        digest = segment_hash(source_text)
        row = session.scalar(
            select(MemoryEntry).where(
                MemoryEntry.source_language == source,
                MemoryEntry.target_language == target,
                MemoryEntry.source_hash == digest,
            )
        )
        if row is None:
            session.add(
                MemoryEntry(
                    source_language=source,
                    target_language=target,
                    source_hash=digest,
                    source_text=source_text,
                    source_length=len(source_text),
                    target_text=target_text,
                    origin=origin[:80],
                    created_at=now,
                    updated_at=now,
                )
            )
        elif row.target_text != target_text:
            row.target_text, row.origin, row.updated_at = target_text, origin[:80], now
        stored += 1
    session.flush()
    return stored
