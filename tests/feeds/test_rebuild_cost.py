"""A rebuild's cost follows the feed, not the database: same statements at any size, indexes for every read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, update

from syndicate.feeds.coalesce import wait_before_render
from syndicate.feeds.render import render_feed
from syndicate.storage.db import get_database
from syndicate.storage.models import Feed
from tests.feeds.conftest import Desk, configure
from tests.helpers import article, example


def ckb_story(n: int) -> dict:
    doc = example("cn-88412.ckb.json")
    doc.pop("translation_of")
    doc.update(id=f"ckb-{n}", canonical_url=f"https://chira.example/ckb/kurdistan/{n}/s")
    doc["headline"] = f"{doc['headline']} {n}"
    return doc


@contextmanager
def statements(desk: Desk) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(desk.db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(desk.db.engine, "before_cursor_execute", record)


def rebuild(desk: Desk, key: str, page_mark: int | None = None) -> list[tuple[str, Any]]:
    """Force a rebuild of ``key`` (and of one archive page) and return the SQL it ran."""
    feed = desk.feed(key)
    with desk.db.transaction() as session:
        session.execute(update(Feed).where(Feed.id == feed.id).values(change_seq=Feed.change_seq + 1))
        if page_mark:
            from syndicate.storage.models import FeedDirtyPage

            session.add(FeedDirtyPage(feed_id=feed.id, page=page_mark))
    with statements(desk) as seen, desk.db.transaction() as session:
        result = render_feed(session, desk.settings, feed.id)
    assert result.rendered and (page_mark is None or page_mark in result.pages)
    return seen


def test_rebuild_runs_the_same_statements_whatever_else_is_stored(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, feed_size=2)
    desk.publish(*[ckb_story(n) for n in range(5)])
    small = rebuild(desk, "ckb", page_mark=1)
    others = [
        article(id=f"other-{n}", canonical_url=f"https://chira.example/en/kurdistan/{n}/o", tags=[f"T{n % 7}"])
        for n in range(150)
    ]
    desk.publish(*others)
    large = rebuild(desk, "ckb", page_mark=1)
    assert [s for s, _ in large] == [s for s, _ in small]
    assert len(small) < 60


@pytest.mark.postgres
def test_every_rebuild_query_is_served_by_an_index(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, desk_factory: Any
) -> None:
    desk = desk_factory(pg_url)
    configure(monkeypatch, feed_size=2)
    desk.publish(*[ckb_story(n) for n in range(5)])
    desk.publish(*[article(id=f"o-{n}", canonical_url=f"https://chira.example/en/x/{n}/o") for n in range(30)])
    seen = rebuild(desk, "ckb", page_mark=1)
    plans = []
    with desk.db.engine.connect() as conn, conn.begin() as transaction:
        # An index on a flag (released) bounds nothing; hide it, then any remaining whole-table read shows.
        conn.exec_driver_sql("DROP INDEX ix_articles_released")
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, params in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            [[plan]] = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params).all()
            plans.append(plan)
            bad = unbounded_scans(plan[0]["Plan"])
            assert not bad, f"{bad} for:\n{statement}"
        transaction.rollback()
    assert len(plans) > 5


def unbounded_scans(node: dict[str, Any]) -> list[str]:
    """Scans that read a whole table: sequential scans, and index scans without an index condition."""
    out = []
    kind, table = node.get("Node Type", ""), node.get("Relation Name") or node.get("Index Name")
    if kind == "Seq Scan":
        out.append(f"Seq Scan on {table}")
    if kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and "Index Cond" not in node:
        out.append(f"full {kind} on {table}")
    for child in node.get("Plans", []):
        out += unbounded_scans(child)
    return out


@pytest.fixture
def desk_factory(monkeypatch: pytest.MonkeyPatch) -> Any:
    from syndicate.pipeline.run import LocalQueue, run_step
    from syndicate.settings import get_settings

    def make(url: str) -> Desk:
        configure(monkeypatch, database_url=url)
        db = get_database()
        holder: dict[str, LocalQueue] = {}
        holder["q"] = LocalQueue(lambda step, ids: run_step(db, holder["q"], get_settings(), step, ids))
        return Desk(db, holder["q"])

    return make


def simulate(changes: list[datetime], *, debounce: float, max_delay: float, min_interval: float = 0.0) -> int:
    """Rebuilds of one feed under the coalescing rule, on a simulated clock; every change ends up rebuilt."""
    feed = SimpleNamespace(change_seq=0, rendered_seq=0, last_changed_at=None, dirty_since=None, rendered_at=None)
    scheduled: datetime | None = None
    rebuilds = 0
    clock = changes[0]
    events = iter(changes)
    pending_change = next(events, None)
    while pending_change is not None or scheduled is not None:
        if pending_change is not None and (scheduled is None or pending_change <= scheduled):
            clock = pending_change
            feed.change_seq += 1
            feed.last_changed_at = clock
            feed.dirty_since = feed.dirty_since or clock
            if scheduled is None:
                scheduled = clock + timedelta(seconds=debounce)  # the dispatcher's first countdown
            pending_change = next(events, None)
            continue
        assert scheduled is not None
        clock, scheduled = scheduled, None
        wait = wait_before_render(
            feed,  # type: ignore[arg-type]
            clock,
            debounce=debounce,
            max_delay=max_delay,
            min_interval=min_interval,
        )
        if wait > 0:
            scheduled = clock + timedelta(seconds=wait)
        elif feed.change_seq > feed.rendered_seq:
            rebuilds += 1
            feed.rendered_seq, feed.dirty_since, feed.rendered_at = feed.change_seq, None, clock
    assert feed.rendered_seq == feed.change_seq == len(changes)
    return rebuilds


START = datetime(2024, 1, 1, tzinfo=UTC)


def test_debounce_bounds_rebuilds_during_a_long_burst() -> None:
    """One change every 0.1 s for 100 s: about one rebuild per max_delay, one at the end."""
    changes = [START + timedelta(seconds=0.1 * i) for i in range(1000)]
    assert simulate(changes, debounce=1.0, max_delay=5.0) <= 100 / 5.0 + 2


def test_a_steady_stream_with_pauses_is_rebuilt_once_per_min_interval() -> None:
    """Bursts of 2 s with 1.5 s pauses for 100 s: each pause outlasts the debounce, the interval still holds."""
    changes = [START + timedelta(seconds=3.5 * (i // 20) + 0.1 * (i % 20)) for i in range(572)]
    assert simulate(changes, debounce=1.0, max_delay=5.0) >= 28  # a rebuild in every pause
    assert simulate(changes, debounce=1.0, max_delay=5.0, min_interval=10.0) <= 100 / 10.0 + 2
    # A story after a calm period shows after the debounce, whatever the interval.
    late = [*changes, changes[-1] + timedelta(seconds=60)]
    assert simulate(late, debounce=1.0, max_delay=5.0, min_interval=10.0) <= 100 / 10.0 + 3


def test_work_that_changes_feeds_is_seen_while_owed(db: Any) -> None:
    """The rebuild task spaces rebuilds out while a process or translate step is owed, not after."""
    from syndicate.pipeline.outbox import Message, any_owed, complete, owe

    steps = ("process", "translate")
    with db.transaction() as session:
        assert not any_owed(session, steps)
        owe(session, Message("render", 7), due_in=60)
        assert not any_owed(session, steps)  # a rebuild owed is no reason to hold rebuilds back
        owe(session, Message("process", 3), due_in=60)
        assert any_owed(session, steps)
        complete(session, "process", [3])
        assert not any_owed(session, steps)
