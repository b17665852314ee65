"""A burst of 500 articles through a real Celery worker over the real Redis costs a few rebuilds per feed."""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from syndicate.cli.run import pending_steps
from syndicate.feeds.spec import CONTENT_TYPES
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.settings import Settings
from syndicate.storage.db import Database, get_database
from syndicate.storage.models import Feed, FeedDocument, FeedEntry
from tests.feeds.conftest import configure
from tests.feeds.rules import check_atom
from tests.helpers import example, parse_feed

BURST = 500
SECTIONS = ("kurdistan", "iraq")
TAGS = ("هەولێر", "ئاو", "ژێرخان", "سلێمانی")


def burst_article(n: int) -> dict:
    doc = example("cn-88412.ckb.json")
    doc.pop("translation_of")
    doc.update(
        id=f"burst-{n}",
        headline=f"{doc['headline']} ({n})",
        section=SECTIONS[n % 2],
        tags=[TAGS[n % 4], TAGS[(n + 1) % 4]],
        published_at=f"2024-02-{1 + n // 24:02d}T{n % 24:02d}:00:00+03:00",
        canonical_url=f"https://chira.example/ckb/{SECTIONS[n % 2]}/{n}/burst-{n}",
    )
    return doc


def rebuilds() -> float:
    return sum(REGISTRY.get_sample_value("syndicate_feed_rebuilds_total", {"kind": k}) or 0.0 for k in KINDS)


KINDS = ("language", "section", "tag", "author")


def wait_until_done(db: Database, limit: float = 600.0) -> None:
    # A safety net against a hung worker, not a performance assertion.
    deadline = time.monotonic() + limit
    while pending_steps(db):
        assert time.monotonic() < deadline, f"{pending_steps(db)} steps still pending"
        time.sleep(0.2)


@pytest.mark.slow
def test_burst_of_500_articles_costs_a_bounded_number_of_rebuilds(
    celery_worker: object, broker_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.dispatch import dispatcher

    # Rebuild after 2 s without a change, and at least every 60 s during a longer burst.
    settings = configure(monkeypatch, render_debounce_seconds=2.0, render_max_delay_seconds=60.0)
    db = get_database()
    before = rebuilds()
    started = time.monotonic()
    sources = [Source(f"burst-{n}", burst_article(n), 1000) for n in range(BURST)]
    results = ingest_sources(db, dispatcher(), settings, sources)
    assert {str(r.outcome) for r in results} == {"created"} and len(results) == BURST
    wait_until_done(db)
    # Every rebuild but the last follows a quiet spell of the debounce or the longest delay, so a feed
    # is rebuilt at most once per debounce of the burst's length, plus once: that bound holds however
    # slow the machine is, and a slow machine is what stretches the burst.
    bound = 1 + int((time.monotonic() - started) / settings.render_debounce_seconds)

    with db.read() as session:
        feeds = {f.key: f for f in session.scalars(select(Feed))}
        in_feed = FeedEntry.feed_id == feeds["ckb"].id
        entries = session.scalar(select(func.count()).select_from(FeedEntry).where(in_feed))
    assert entries == BURST
    counts = {key: f.render_count for key, f in feeds.items()}
    print("rebuilds per feed:", counts)
    # 500 articles changed each of these 8 feeds hundreds of times; each was rebuilt a handful of times.
    assert len(counts) == 1 + len(SECTIONS) + len(TAGS) + 1  # language, sections, tags, the author
    assert all(1 <= n <= min(bound, BURST // 10) for n in counts.values()), (counts, bound)
    assert rebuilds() - before == sum(counts.values())  # the Prometheus counter tells the same story

    ckb = feeds["ckb"]
    assert ckb.archived_pages == BURST // settings.feed_size and ckb.rendered_seq == ckb.change_seq
    with db.read() as session:
        front = session.get(FeedDocument, (ckb.id, "atom", 0))
        oldest = session.get(FeedDocument, (ckb.id, "atom", 1))
    assert front is not None and oldest is not None
    check_atom(front.body, "http://127.0.0.1:8000/feeds/ckb/atom.xml")
    parsed = parse_feed(front.body, CONTENT_TYPES["atom"])
    assert [e.id for e in parsed.entries][:2] == [f"tag:chira.example,2020:burst-{n}" for n in (499, 498)]
    assert len(parse_feed(oldest.body, CONTENT_TYPES["atom"]).entries) == settings.feed_size
