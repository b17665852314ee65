"""Feed rows are locked in ascending id order across a whole transaction (PostgreSQL).

Ingest batches, the process step and the translation steps all lock feed rows:
to hand out positions, to mark archive pages and dirty feeds. Each locking
statement sorts its own ids, but a transaction that locks in several
statements (one per story, then the dirty set) can still take a lower id
after a higher one, and two such transactions deadlock. These tests record
every locking ``SELECT ... FROM feeds`` a step sends and check that
no statement reaches back below a feed the transaction already holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import event, select

from syndicate.pipeline.outbox import Message
from syndicate.pipeline.run import LocalQueue, run_step
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database, get_database
from syndicate.storage.models import Article, ArticleVersion
from tests.helpers import article


class Spy:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, messages: Sequence[Message]) -> None:
        self.sent.extend(messages)


class FeedLocks:
    """The feed ids of every locking statement on ``feeds``, in the order they were sent."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.transactions: list[list[list[int]]] = []

    def __enter__(self) -> FeedLocks:
        event.listen(self.db.engine, "begin", self._begin)
        event.listen(self.db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.db.engine, "begin", self._begin)
        event.remove(self.db.engine, "before_cursor_execute", self._seen)

    @property
    def statements(self) -> list[list[int]]:
        return [ids for tx in self.transactions for ids in tx]

    def _begin(self, conn: Any) -> None:
        self.transactions.append([])

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM feeds" in statement and ("FOR UPDATE" in statement or "FOR NO KEY UPDATE" in statement):
            values = parameters.values() if isinstance(parameters, dict) else parameters
            self.transactions[-1].append([v for v in values if isinstance(v, int)])

    def reaches_back(self) -> list[tuple[list[int], int]]:
        """Statements that lock a feed below one their transaction already holds: (new ids, highest held)."""
        out = []
        for tx in self.transactions:
            held: set[int] = set()
            for ids in tx:
                new = set(ids) - held
                if held and new and min(new) < max(held):
                    out.append((sorted(new), max(held)))
                held |= new
        return out


@pytest.fixture
def pg_settings(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("SYNDICATE_DATABASE_URL", pg_url)
    reset_settings()
    yield get_settings()


def _publish(db: Database, settings: Settings, docs: list[dict[str, Any]]) -> None:
    queue = LocalQueue(lambda step, ids: run_step(db, queue, settings, step, ids))
    ingest_sources(db, queue, settings, [Source(d["id"], d, 1000) for d in docs])
    queue.drain()


def test_process_batch_locks_every_feed_it_touches_in_one_ascending_order(pg_settings: Settings) -> None:
    db = get_database()
    # The first story's feeds get the low ids (all, section, two tags, author); the second adds higher ones.
    first = article(id="lo-1", section="kurdistan", tags=["Erbil", "Water"])
    second = article(
        id="hi-1", section="world", tags=["Baghdad"], byline=[{"name": "Nadia Hassan"}], headline="Baghdad talks resume"
    )
    _publish(db, pg_settings, [first, second])
    # Corrections in the opposite order: the batch meets the high feeds first, then the low ones.
    corrections = [
        dict(second, version=2, status="corrected", correction_note="A date."),
        dict(first, version=2, status="corrected", correction_note="A figure."),
    ]
    ingest_sources(db, Spy(), pg_settings, [Source(d["id"], d, 1000) for d in corrections])
    with db.read() as session:
        versions = list(
            session.scalars(
                select(ArticleVersion.id).join(Article).where(ArticleVersion.version == 2).order_by(ArticleVersion.id)
            )
        )
    assert len(versions) == 2

    with FeedLocks(db) as locks:
        run_step(db, Spy(), pg_settings, "process", versions)

    assert len(locks.statements) >= 2, "the step locked its feeds in fewer statements than this test expects"
    assert locks.reaches_back() == [], f"feed locks out of order: {locks.statements}"


def test_a_batch_of_corrections_that_move_feeds_locks_them_once_at_the_end(pg_settings: Settings) -> None:
    db = get_database()
    # "Water" gets a lower feed id than "Oil": the first correction leaves Oil (high) and joins Water (low).
    _publish(db, pg_settings, [article(id="mv-1", tags=["Water"]), article(id="mv-2", tags=["Oil"])])
    moves = [
        article(id="mv-2", version=2, status="corrected", correction_note="Tags.", tags=["Water"]),
        article(id="mv-1", version=2, status="corrected", correction_note="Tags.", tags=["Oil"]),
    ]
    with FeedLocks(db) as locks:
        ingest_sources(db, Spy(), pg_settings, [Source(d["id"], d, 1000) for d in moves])
    (batch,) = [tx for tx in locks.transactions if tx]
    # The first statement takes every feed the batch changes; later ones only find them held.
    assert set(batch[0]) == {f for ids in batch for f in ids}, f"feeds locked after the first statement: {batch}"
    assert len(set(batch[0])) >= 2, batch


def test_a_single_correction_that_moves_feeds_through_the_pipeline_locks_in_order(pg_settings: Settings) -> None:
    db = get_database()
    _publish(db, pg_settings, [article(id="mv-1", tags=["Water"]), article(id="mv-2", tags=["Oil", "Zakho"])])
    moved = article(id="mv-2", version=2, status="corrected", correction_note="Tags.", tags=["Water"])
    with FeedLocks(db) as locks:
        queue = LocalQueue(lambda step, ids: run_step(db, queue, pg_settings, step, ids))
        ingest_sources(db, queue, pg_settings, [Source("moved", moved, 1000)])
        queue.drain()
    assert locks.statements, "nothing was locked: the correction did not change any feed"
    assert locks.reaches_back() == [], f"feed locks out of order: {locks.transactions}"
