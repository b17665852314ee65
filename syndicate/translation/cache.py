"""Machine answers cached by (backend, language pair, segment hash).

Only answers that passed the placeholder check are stored, so a cached
answer is as good as a fresh one and a correction re-sends nothing it has seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from syndicate.storage.types import utcnow
from syndicate.translation.tables import CacheEntry


def lookup(session: Session, backend: str, source: str, target: str, hashes: Sequence[str]) -> dict[str, str]:
    if not hashes:
        return {}
    rows = session.execute(
        select(CacheEntry.source_hash, CacheEntry.text).where(
            CacheEntry.backend == backend,
            CacheEntry.source_language == source,
            CacheEntry.target_language == target,
            CacheEntry.source_hash.in_(sorted(set(hashes))),
        )
    )
    return {h: text for h, text in rows}


def store(session: Session, backend: str, source: str, target: str, answers: Iterable[tuple[str, str]]) -> None:
    """Keep (hash, text) answers; an existing entry for the same key wins (answers are equivalent)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    for digest, text in answers:
        session.execute(
            insert(CacheEntry)
            .values(
                backend=backend,
                source_language=source,
                target_language=target,
                source_hash=digest,
                text=text,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["backend", "source_language", "target_language", "source_hash"])
        )
