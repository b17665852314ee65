"""Concurrency on PostgreSQL: the pull cursor never skips or repeats while others publish, and pushes of
one story never overtake each other, whatever the number of workers."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator

import pytest

from syndicate.partners import pull, service
from syndicate.partners.sequence import DELIVER
from syndicate.pipeline.outbox import Message, NullDispatcher
from syndicate.pipeline.run import InlineDispatcher, run_step
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database, get_database
from tests.helpers import article
from tests.partners.endpoint import Answer, PartnerEndpoint
from tests.partners.support import add_partner, deliveries, publish

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def pg(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Database, Settings]]:
    monkeypatch.setenv("SYNDICATE_DATABASE_URL", pg_url)
    monkeypatch.setenv("SYNDICATE_PUSH_BACKOFF_SECONDS", "0.01")
    monkeypatch.setenv("SYNDICATE_PUSH_BACKOFF_MAX_SECONDS", "0.02")
    monkeypatch.setenv("SYNDICATE_PUSH_MAX_ATTEMPTS", "20")
    monkeypatch.setenv("SYNDICATE_PUSH_CIRCUIT_THRESHOLD", "1000")
    reset_settings()
    yield get_database(), get_settings()


def test_cursor_has_no_gaps_and_no_repeats_while_publishing(pg: tuple[Database, Settings]) -> None:
    db, settings = pg
    add_partner(db, settings, "reader", languages=["en"])
    publishers, per_publisher = 3, 15
    total = publishers * per_publisher
    errors: list[BaseException] = []
    publishing = threading.Event()
    publishing.set()

    def publisher(n: int) -> None:
        try:
            for i in range(per_publisher):
                publish(db, settings, article(id=f"c-{n}-{i}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publisher, args=(n,)) for n in range(publishers)]
    for t in threads:
        t.start()

    seen: list[int] = []
    ids: list[str] = []
    cursor, pages = 0, 0
    with db.read() as session:
        partner = service.find(session, "reader")
    while True:
        running = any(t.is_alive() for t in threads)
        with db.read() as session:
            page = pull.page(session, settings, partner, since=cursor, limit=4, fmt="ninjs")
        pages += 1
        # Each page continues exactly where the last one stopped.
        assert [i["seq"] for i in page.items] == list(range(cursor + 1, cursor + 1 + len(page.items)))
        seen += [i["seq"] for i in page.items]
        ids += [i["id"] for i in page.items]
        cursor = int(page.next)
        if not running and not page.items:
            break
    for t in threads:
        t.join()
    assert not errors, errors
    assert seen == list(range(1, total + 1)), "no gaps, no repeats, in order"
    assert sorted(ids) == sorted(f"c-{n}-{i}" for n in range(publishers) for i in range(per_publisher))
    assert pages > publishers, "the reader paged while publishing went on"


class HoldDeliveries(InlineDispatcher):
    """Runs every step here except pushes, which the test runs itself from several threads."""

    def __init__(self, db: Database, settings: Settings):
        super().__init__(db, settings)
        self.held: list[int] = []

    def send(self, messages: list[Message]) -> None:  # type: ignore[override]
        self.held += [m.subject_id for m in messages if m.step == DELIVER]
        super().send([m for m in messages if m.step != DELIVER])


def test_versions_of_one_story_never_overtake_each_other(
    pg: tuple[Database, Settings], endpoint: PartnerEndpoint
) -> None:
    db, settings = pg
    _, secret = add_partner(db, settings, "pushed", webhook_url=endpoint.url, allow_private_webhook=True)
    endpoint.secret = secret or ""
    endpoint.default = Answer(200, delay=0.01)
    rng = random.Random(7)
    # Some attempts fail: a version waiting for its retry must still hold back the next one.
    endpoint.answer(*[Answer(500, process=False) if rng.random() < 0.3 else Answer(200) for _ in range(12)])
    hold = HoldDeliveries(db, settings)
    stories, versions = ("o-a", "o-b"), 5
    for number in range(1, versions + 1):
        for story in stories:
            doc = article(id=story, version=number, headline=f"{story} version {number}")
            from syndicate.pipeline.service import Source, ingest_sources

            ingest_sources(db, hold, settings, [Source(story, doc, 1000)])
    ids = list(hold.held)
    assert len(ids) == len(stories) * versions

    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        local = random.Random(seed)
        try:
            for _ in range(2000):
                pending = [d.id for d in deliveries(db) if d.state == "pending"]
                if not pending:
                    return
                run_step(db, NullDispatcher(), settings, DELIVER, [local.choice(pending)])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert all(d.state == "delivered" for d in deliveries(db))

    def story_version(body: bytes) -> tuple[str, int]:
        item = json.loads(body)
        return item["altids"][0]["value"], int(item["version"])

    for story in stories:
        # Every request the partner saw, failed ones included, in arrival order.
        received = [v for s, v in map(story_version, (r.body for r in endpoint.receipts)) if s == story]
        assert received == sorted(received), f"{story}: version order broken: {received}"
        processed = [v for s, v in map(story_version, endpoint.order()) if s == story]
        assert processed == list(range(1, versions + 1))
    assert any(r.status == 500 for r in endpoint.receipts), "retries were part of the run"
