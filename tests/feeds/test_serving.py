"""GET /feeds/...: stored bytes, exact content types, strong ETags, 304s without a body, gzip, caching headers."""

from __future__ import annotations

import gzip
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from fastapi.testclient import TestClient

from syndicate.api.app import create_app
from syndicate.feeds import render
from syndicate.feeds.spec import CONTENT_TYPES, FILENAMES
from tests.feeds.conftest import Desk, configure
from tests.helpers import article, examples, parse_feed

HUB = "https://hub.chira.example/"


@pytest.fixture
def client(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    configure(monkeypatch, feed_size=2, websub_hubs=HUB, feed_max_age_seconds=60, archive_max_age_seconds=86400)
    monkeypatch.setattr("syndicate.feeds.websub.send_ping", lambda hub, topic, timeout: None)
    desk.publish(*examples())
    return TestClient(create_app(desk.settings))


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_content_types_are_exact_and_bytes_are_the_stored_ones(client: TestClient, desk: Desk, fmt: str) -> None:
    response = client.get(f"/feeds/ckb/{FILENAMES[fmt]}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPES[fmt]
    assert {
        "rss": "application/rss+xml; charset=utf-8",
        "atom": "application/atom+xml; charset=utf-8",
        "json": "application/feed+json; charset=utf-8",
    }[fmt] == response.headers["content-type"]
    stored = desk.document("ckb", fmt)
    assert stored is not None
    assert response.content == stored.body
    assert response.headers["etag"] == stored.etag and not stored.etag.startswith("W/")
    assert "content-encoding" not in response.headers
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["vary"] == "Accept-Encoding"
    assert parsedate_to_datetime(response.headers["last-modified"]) == stored.last_modified
    # WebSub discovery in the HTTP headers: at least one hub and exactly one self.
    assert response.links["hub"]["url"] == HUB
    assert response.links["self"]["url"] == f"http://127.0.0.1:8000/feeds/ckb/{FILENAMES[fmt]}"
    assert response.headers["link"].count('rel="self"') == 1


def test_conditional_get_gives_304_without_a_body(client: TestClient, desk: Desk) -> None:
    first = client.get("/feeds/en/atom.xml", headers={"Accept-Encoding": "identity"})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get("/feeds/en/atom.xml", headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert "content-length" not in again.headers or again.headers["content-length"] == "0"
    weak = client.get("/feeds/en/atom.xml", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304 and weak.content == b""
    since = client.get("/feeds/en/atom.xml", headers={"If-Modified-Since": modified})
    assert since.status_code == 304 and since.content == b""
    stale = client.get("/feeds/en/atom.xml", headers={"If-None-Match": '"stale"', "If-Modified-Since": modified})
    assert stale.status_code == 200  # If-None-Match wins over If-Modified-Since
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2001), usegmt=True)
    assert client.get("/feeds/en/atom.xml", headers={"If-Modified-Since": earlier}).status_code == 200

    desk.publish(article(id="new-one", published_at="2023-01-01T10:00:00+03:00"))
    changed = client.get("/feeds/en/atom.xml", headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert parsedate_to_datetime(changed.headers["last-modified"]) > parsedate_to_datetime(modified)


def test_gzip_is_the_stored_twin_with_its_own_etag(client: TestClient, desk: Desk) -> None:
    response = client.get("/feeds/ar/rss.xml", headers={"Accept-Encoding": "gzip"})
    stored = desk.document("ar", "rss")
    assert stored is not None and stored.gzip_body is not None
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["etag"] == stored.gzip_etag != stored.etag
    assert response.content == stored.body  # httpx decodes; the wire bytes were the gzip twin
    assert gzip.decompress(stored.gzip_body) == stored.body
    parse_feed(response.content, response.headers["content-type"])
    again = client.get("/feeds/ar/rss.xml", headers={"Accept-Encoding": "gzip", "If-None-Match": stored.gzip_etag})
    assert again.status_code == 304 and again.content == b""
    refused = client.get("/feeds/ar/rss.xml", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_archive_pages_opml_and_sitemaps_are_served(client: TestClient, desk: Desk) -> None:
    page = client.get("/feeds/ckb/archive/1/atom.xml")
    assert page.status_code == 200 and page.headers["content-type"] == CONTENT_TYPES["atom"]
    assert page.headers["cache-control"] == "public, max-age=86400"
    assert "hub" not in page.links and page.links["self"]["url"].endswith("/feeds/ckb/archive/1/atom.xml")
    assert b"<fh:archive/>" in page.content
    opml = client.get("/feeds/index.opml")
    assert opml.status_code == 200 and opml.headers["content-type"] == "text/x-opml; charset=utf-8"
    assert b"/feeds/ckb/tag/" in opml.content
    sitemap = client.get("/feeds/sitemaps/news-ckb.xml")
    assert sitemap.status_code == 200 and sitemap.headers["content-type"] == "application/xml; charset=utf-8"
    assert client.get("/feeds/sitemaps/news-xx.xml").status_code == 404
    assert client.get("/feeds/ckb/archive/9/atom.xml").status_code == 404
    assert client.get("/feeds/ckb/nothing.txt").status_code == 404
    assert client.get("/feeds/zz/rss.xml").status_code == 404
    head = client.head("/feeds/ckb/rss.xml")
    assert head.status_code == 200 and head.headers["etag"] and head.content == b""


def test_requests_never_render(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("a request rendered a feed")

    monkeypatch.setattr(render, "build_spec", fail)
    for path in ("/feeds/en/rss.xml", "/feeds/en/atom.xml", "/feeds/en/feed.json", "/feeds/ckb/archive/1/rss.xml"):
        assert client.get(path).status_code == 200
