"""WebSub: hubs on 127.0.0.1 get exactly the publish pings owed; a failing hub is retried and blocks nothing."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from syndicate.feeds.spec import FORMATS
from syndicate.feeds.steps import WEBSUB
from syndicate.feeds.urls import feed_url
from syndicate.pipeline.run import run_step
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.pipeline.sweeper import resend_overdue
from syndicate.settings import Settings
from syndicate.storage.db import Database, get_database
from syndicate.storage.models import Feed, FeedDocument, HubNotice, OutboxMessage
from syndicate.storage.types import utcnow
from tests.feeds.conftest import Desk, configure
from tests.helpers import article

EN_FEEDS = ("en", "en/section/kurdistan", "en/tag/erbil", "en/tag/water", "en/author/aras-ahmed")


class Hub:
    """A hub endpoint on the local test server that records publish pings."""

    def __init__(self, server: HTTPServer, path: str, status: int = 204):
        self.status = status
        self.pings: list[str] = []
        self.failures = 0
        self.url = server.url_for(path)
        server.expect_request(path, method="POST").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        form = parse_qs(request.get_data(as_text=True))
        assert form["hub.mode"] == ["publish"] and len(form["hub.url"]) == 1
        if self.status >= 400:
            self.failures += 1
        else:
            self.pings.append(form["hub.url"][0])
        return Response("", status=self.status)


def topics(desk: Desk, keys: tuple[str, ...] = EN_FEEDS) -> Counter[str]:
    return Counter(feed_url(desk.settings, key, fmt) for key in keys for fmt in FORMATS)


def test_hub_receives_exactly_one_ping_per_changed_document(
    desk: Desk, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = Hub(httpserver, "/hub")
    configure(monkeypatch, websub_hubs=hub.url)
    desk.publish(article())
    assert Counter(hub.pings) == topics(desk)

    hub.pings.clear()
    desk.publish(article())  # the same version again: nothing changed, nobody is told
    feed_ids = [desk.feed(key).id for key in EN_FEEDS]
    run_step(desk.db, desk.queue, desk.settings, WEBSUB, feed_ids)  # an extra run owes nothing either
    assert hub.pings == []

    desk.publish(article(version=2, status="corrected", correction_note="The figure was 400,000."))
    assert Counter(hub.pings) == topics(desk)
    with desk.db.read() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.step == WEBSUB)).all()
        assert rows and {r.status for r in rows} == {"done"}
    httpserver.check_handler_errors()


def test_failing_hub_is_retried_and_blocks_nothing(
    desk: Desk, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, bad = Hub(httpserver, "/good"), Hub(httpserver, "/bad", status=500)
    configure(monkeypatch, websub_hubs=f"{good.url},{bad.url}", websub_retry_seconds=0)
    desk.publish(article())
    # Publishing went on: every feed is rendered and the healthy hub heard about all of it.
    for key in EN_FEEDS:
        assert desk.document(key, "atom") is not None
    assert Counter(good.pings) == topics(desk)
    assert bad.failures >= 1 and bad.pings == []
    with desk.db.read() as session:
        owed = session.scalars(select(OutboxMessage).where(OutboxMessage.step == WEBSUB)).all()
        assert owed and all(r.status == "pending" and r.attempts >= 1 and "500" in r.last_error for r in owed)
        notices = session.scalars(select(HubNotice).where(HubNotice.hub == bad.url)).all()
        assert notices and all(n.etag is None for n in notices)

    # A new story while the hub is still down: the healthy hub hears about it at once.
    good.pings.clear()
    desk.publish(article(id="t-2", tags=["Erbil"], canonical_url="https://chira.example/en/kurdistan/2/x"))
    changed = ("en", "en/section/kurdistan", "en/tag/erbil", "en/author/aras-ahmed")
    assert Counter(good.pings) == topics(desk, changed)

    # The hub recovers; the sweeper re-sends the owed step and the hub gets each current document once.
    good.pings.clear()
    bad.status = 204
    resend_overdue(desk.db, desk.queue, desk.settings, now=utcnow() + timedelta(seconds=1))
    desk.drain()
    assert Counter(bad.pings) == topics(desk) and good.pings == []
    with desk.db.read() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.step == WEBSUB)).all()
        assert {r.status for r in rows} == {"done"}
        assert all(n.attempts == 0 and n.last_error is None for n in session.scalars(select(HubNotice)))
    httpserver.check_handler_errors()


def wait_for(condition: Callable[[], bool], limit: float = 120.0) -> None:
    # A safety net against a hung worker, not a timing assertion.
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there"
        time.sleep(0.1)


def owed_steps(db: Database, *, other_than: str) -> int:
    with db.read() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
        return len([r for r in rows if r.step != other_than])


@pytest.mark.slow
def test_hub_down_never_blocks_publishing_on_a_real_worker(
    celery_worker: object, broker_settings: Settings, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.dispatch import dispatcher

    good, bad = Hub(httpserver, "/good"), Hub(httpserver, "/bad", status=500)
    settings = configure(monkeypatch, websub_hubs=f"{good.url},{bad.url}", websub_retry_seconds=3600)
    db = get_database()
    expected = Counter(feed_url(settings, key, fmt) for key in EN_FEEDS for fmt in FORMATS)
    ingest_sources(db, dispatcher(), settings, [Source("one", article(), 100)])
    wait_for(lambda: owed_steps(db, other_than=WEBSUB) == 0 and Counter(good.pings) == expected)
    assert bad.failures >= 1 and bad.pings == []

    # The hub is still down: the next story is rendered and announced to the healthy hub all the same.
    good.pings.clear()
    second = article(id="t-2", headline="Second story", canonical_url="https://chira.example/en/kurdistan/2/s")
    ingest_sources(db, dispatcher(), settings, [Source("two", second, 100)])
    wait_for(lambda: owed_steps(db, other_than=WEBSUB) == 0 and Counter(good.pings) == expected)
    with db.read() as session:
        feed = session.scalars(select(Feed).where(Feed.key == "en")).one()
        doc = session.get(FeedDocument, (feed.id, "atom", 0))
        assert doc is not None and b"Second story" in doc.body
        owed = session.scalars(select(OutboxMessage).where(OutboxMessage.step == WEBSUB)).all()
        assert owed and all(r.status == "pending" and r.last_error for r in owed)
        notices = session.scalars(select(HubNotice).where(HubNotice.hub == bad.url)).all()
        assert notices and all("500" in (n.last_error or "") and n.etag is None for n in notices)
    httpserver.check_handler_errors()
