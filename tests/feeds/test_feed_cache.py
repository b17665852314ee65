"""The in-memory answer of GET /feeds/...: the route's answer exactly, for at most feed_cache_seconds."""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from syndicate.api.app import create_app
from syndicate.api.feedcache import FeedCache
from tests.feeds.conftest import Desk, configure
from tests.helpers import article, examples

PATH = "/feeds/en/atom.xml"
# Headers that differ between any two answers, whoever gives them.
VOLATILE = {"date", "server", "x-request-id"}


@pytest.fixture
def client(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    configure(monkeypatch, feed_cache_seconds=3600, websub_hubs="https://hub.chira.example/")
    monkeypatch.setattr("syndicate.feeds.websub.send_ping", lambda hub, topic, timeout: None)
    desk.publish(*examples())
    return TestClient(create_app(desk.settings))


def cache_of(client: TestClient) -> FeedCache:
    cache = client.app.state.feed_cache  # type: ignore[attr-defined]
    assert isinstance(cache, FeedCache)
    return cache


def same(a: Response, b: Response) -> None:
    assert a.status_code == b.status_code
    assert a.content == b.content
    headers_a = {k: v for k, v in a.headers.items() if k not in VOLATILE}
    headers_b = {k: v for k, v in b.headers.items() if k not in VOLATILE}
    assert headers_a == headers_b


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept-Encoding": "identity"},
        {"Accept-Encoding": "gzip"},
        {"Accept-Encoding": "gzip;q=0"},
        {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT", "Accept-Encoding": "identity"},
        {"If-None-Match": '"other"', "Accept-Encoding": "identity"},
    ],
)
def test_a_cached_answer_is_the_routes_answer(client: TestClient, headers: dict[str, str]) -> None:
    cache = cache_of(client)
    assert cache.get(PATH) is None
    routed = client.get(PATH, headers=headers)  # through the route: fills the cache
    assert routed.status_code in (200, 304) and cache.get(PATH) is not None
    cached = client.get(PATH, headers=headers)
    same(routed, cached)
    etag = routed.headers["etag"]
    routed_304 = client.get(PATH, headers={**headers, "If-None-Match": etag})
    assert routed_304.status_code == 304 and routed_304.content == b""
    cache.ttl = 0  # the next answer comes from the route again
    fresh_304 = client.get(PATH, headers={**headers, "If-None-Match": etag})
    same(routed_304, fresh_304)


def test_head_and_gzip_from_the_cache(client: TestClient, desk: Desk) -> None:
    client.get(PATH)
    head = client.head(PATH, headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.content == b""
    stored = desk.document("en", "atom")
    assert stored is not None and stored.gzip_body is not None
    assert head.headers["content-length"] == str(len(stored.gzip_body))
    packed = client.get(PATH, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.headers["etag"] == stored.gzip_etag
    assert gzip.decompress(stored.gzip_body) == stored.body == packed.content  # httpx decodes gzip


def test_the_cache_holds_for_its_interval_then_serves_the_rebuilt_feed(client: TestClient, desk: Desk) -> None:
    cache = cache_of(client)
    before = client.get(PATH, headers={"Accept-Encoding": "identity"})
    desk.publish(article(id="cn-cache-1", language="en", headline="Cached feeds catch up"))
    rebuilt = desk.document("en", "atom")
    assert rebuilt is not None and rebuilt.etag != before.headers["etag"]
    during = client.get(PATH, headers={"Accept-Encoding": "identity"})
    same(before, during)  # within the interval: the representation this process served last
    cache.ttl = 0
    after = client.get(PATH, headers={"Accept-Encoding": "identity"})
    assert after.headers["etag"] == rebuilt.etag and b"Cached feeds catch up" in after.content


def test_a_zero_interval_caches_nothing_and_other_routes_pass_through(client: TestClient) -> None:
    cache = cache_of(client)
    cache.ttl = 0
    client.get(PATH)
    assert cache.get(PATH) is None
    assert client.get("/feeds/zz/rss.xml").status_code == 404
    assert client.get("/healthz").status_code == 200
