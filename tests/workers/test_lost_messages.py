"""Messages that never run (expired, purged, held back by a full queue) delay work; the outbox repairs it.

Each test loses a message on purpose with a real worker over the real Redis,
checks that the work did not happen, then lets the sweeper find the overdue
outbox row and checks that it did.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from sqlalchemy import func, select

from bench.corpus import articles
from syndicate.pipeline.outbox import NullDispatcher, unit_of_work
from syndicate.pipeline.publish import RENDER, mark_dirty
from syndicate.pipeline.run import InlineDispatcher
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.pipeline.sweeper import STARVING_AFTER, sweep
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database, get_database
from syndicate.storage.models import ArticleVersion, Feed, OutboxMessage
from syndicate.storage.types import utcnow
from tests.conftest import ALL_QUEUES
from tests.helpers import article

pytestmark = pytest.mark.slow


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def worker(broker_settings: Settings) -> Iterator[Callable[[], object]]:
    """Starts a real worker (solo, every queue) when the test calls it, not before."""
    from workers.app import configure

    app = configure(broker_settings)
    get_database()
    started: list[object] = []

    def start() -> object:
        context = start_worker(
            app, pool="solo", perform_ping_check=False, queues=ALL_QUEUES.split(","), loglevel="WARNING"
        )
        started.append(context)
        return context.__enter__()  # type: ignore[attr-defined]

    yield start
    for context in started:
        context.__exit__(None, None, None)  # type: ignore[attr-defined]


def unprocessed(db: Database) -> int:
    query = select(func.count()).select_from(ArticleVersion).where(ArticleVersion.processed_at.is_(None))
    with db.read() as session:
        return session.scalar(query) or 0


def queues_empty(url: str) -> bool:
    client = redis.Redis.from_url(url)
    return all(client.llen(q) == 0 for q in ALL_QUEUES.split(",")) and client.hlen("unacked") == 0


def later(settings: Settings) -> object:
    return utcnow() + timedelta(seconds=settings.step_deadline_seconds + 1)


def test_an_expired_task_is_sent_again_by_the_sweeper(
    broker_settings: Settings, redis_url: str, worker: Callable[[], object]
) -> None:
    from workers.app import app
    from workers.dispatch import dispatcher

    db = get_database()
    # Stored and owed, but the message we send expired before any worker saw it.
    ingest_sources(db, NullDispatcher(), broker_settings, [Source("a", article(), 1000)])
    with db.read() as session:
        version_id = session.scalars(select(ArticleVersion.id)).one()
    app.send_task("syndicate.process", args=[[version_id]], queue="ingest", expires=utcnow() - timedelta(seconds=1))
    worker()
    wait_for(lambda: queues_empty(redis_url), "the worker to discard the expired task")
    assert unprocessed(db) == 1, "an expired task ran"

    sweep(db, dispatcher(), broker_settings, now=later(broker_settings))  # type: ignore[arg-type]
    wait_for(lambda: unprocessed(db) == 0, "the re-sent step to run")
    with db.read() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == f"process:{version_id}")).one()
        assert row.status == "done" and row.attempts == 1


def test_a_lost_debounced_rebuild_is_sent_again_at_once(
    broker_settings: Settings, redis_url: str, worker: Callable[[], object]
) -> None:
    from workers.dispatch import SCHEDULED, dispatcher

    db = get_database()
    ingest_sources(db, InlineDispatcher(db, broker_settings), broker_settings, [Source("a", article(), 1000)])
    with db.read() as session:
        feed_id = session.scalars(select(Feed.id).where(Feed.key == "en")).one()
    # A change owes a debounced rebuild: a marker in Redis and a task with a countdown...
    with unit_of_work(db, dispatcher(), broker_settings.step_deadline_seconds) as uow:
        mark_dirty(uow, [feed_id])
    client = redis.Redis.from_url(redis_url)
    assert client.exists(SCHEDULED.format(feed_id)) and client.llen(RENDER) == 1
    client.delete(RENDER)  # ...and the task is lost (a worker killed while holding its countdown)
    worker()

    def rendered() -> bool:
        with db.read() as session:
            feed = session.get(Feed, feed_id)
            return feed is not None and feed.rendered_seq == feed.change_seq

    time.sleep(broker_settings.render_max_delay_seconds + broker_settings.render_debounce_seconds)
    assert not rendered(), "a lost rebuild happened anyway"
    # The marker still blocks a plain re-schedule; the sweeper's re-send goes through regardless.
    assert client.exists(SCHEDULED.format(feed_id))
    sweep(db, dispatcher(), broker_settings, now=later(broker_settings))  # type: ignore[arg-type]
    wait_for(rendered, "the re-sent rebuild")


def test_a_full_queue_holds_new_work_in_the_outbox_until_it_drains(
    broker_settings: Settings, redis_url: str, worker: Callable[[], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.dispatch import dispatcher

    monkeypatch.setenv("SYNDICATE_QUEUE_MAX_DEPTH", "2")
    reset_settings()
    settings = get_settings()
    dispatcher().gauge.ttl = 0  # type: ignore[attr-defined]  # read the depth on every send
    db = get_database()
    docs = list(articles(60, languages=("en",), prefix="q", paragraphs=2))
    ingest_sources(db, dispatcher(), settings, [Source(d["id"], d, 4000) for d in docs])
    client = redis.Redis.from_url(redis_url)
    assert client.llen("ingest") == 2, "the queue grew past its bound"
    with db.read() as session:
        owed = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.step == "process")
        assert session.scalar(owed) == 60  # every version owed; three messages of 20, the third held back

    from fastapi.testclient import TestClient

    from syndicate.api.app import create_app

    ready = TestClient(create_app(settings)).get("/readyz").json()
    assert ready["queues"]["over_bound"] == {"ingest": 2}

    worker()
    wait_for(lambda: client.llen("ingest") == 0 and unprocessed(db) == 20, "the two sent batches")
    sweep(db, dispatcher(), settings, now=later(settings))  # type: ignore[arg-type]
    wait_for(lambda: unprocessed(db) == 0, "the held batch, sent by the sweeper")


def test_a_lost_message_is_sent_again_under_a_steady_backlog(
    broker_settings: Settings, redis_url: str, worker: Callable[[], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.app import app
    from workers.dispatch import RESEND_LOW_WATER, dispatcher

    dispatcher().gauge.ttl = 0  # type: ignore[attr-defined]  # read the depth on every sweep
    db = get_database()
    ingest_sources(db, NullDispatcher(), broker_settings, [Source("a", article(), 1000)])  # its message is lost
    with db.read() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.step == "process")).one()
    # The ingest queue holds a backlog that never drains below the low-water mark (no worker yet).
    backlog = RESEND_LOW_WATER + 5
    for _ in range(backlog):
        app.send_task("syndicate.process", args=[[]], queue="ingest")
    client = redis.Redis.from_url(redis_url)
    assert client.llen("ingest") == backlog
    deadline = timedelta(seconds=broker_settings.step_deadline_seconds)

    # Overdue, but its queue is busy: most likely queued, so it waits...
    for overdue in (deadline, deadline * STARVING_AFTER - timedelta(seconds=1)):
        result = sweep(db, dispatcher(), broker_settings, now=row.due_at + overdue)  # type: ignore[arg-type]
        assert result.resent == 0 and client.llen("ingest") == backlog
    # ...but not forever: past the bound it is sent although the queue is still busy.
    starving = row.due_at + deadline * STARVING_AFTER + timedelta(seconds=1)
    assert sweep(db, dispatcher(), broker_settings, now=starving).resent == 1  # type: ignore[arg-type]
    assert client.llen("ingest") == backlog + 1
    with db.read() as session:
        again = session.get(OutboxMessage, row.id)
        assert again is not None and again.attempts == 1 and again.due_at > starving  # its deadline moved back
    # The next sweep at the same moment leaves it alone: one re-send per row and period.
    assert sweep(db, dispatcher(), broker_settings, now=starving).resent == 0  # type: ignore[arg-type]

    worker()
    wait_for(lambda: unprocessed(db) == 0, "the re-sent step to run behind the backlog")
