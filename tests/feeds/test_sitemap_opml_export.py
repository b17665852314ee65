"""News sitemaps (48 hours, 1,000 URLs, sitemap language tags), the OPML list, and the export folder."""

from __future__ import annotations

import gzip
import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from syndicate.feeds import sitemap
from syndicate.feeds.spec import FORMATS
from syndicate.feeds.urls import OPML_PATH, document_path, feed_url, sitemap_path
from syndicate.storage.models import SiteDocument
from syndicate.storage.types import utcnow
from tests.feeds.conftest import Desk, configure
from tests.feeds.rules import RFC3339
from tests.helpers import article, example, examples

NS = {"s": sitemap.SITEMAP, "news": sitemap.NEWS}


def recent(hours: float, n: int, **overrides: object) -> dict:
    doc = example("cn-88412.ckb.json")
    doc.pop("translation_of")
    doc.update(
        id=f"recent-{n}",
        headline=f"{doc['headline']} {n}",
        published_at=(utcnow() - timedelta(hours=hours)).isoformat(),
        canonical_url=f"https://chira.example/ckb/kurdistan/{n}/r",
        **overrides,
    )
    return doc


def stored_sitemap(desk: Desk, language: str) -> etree._Element:
    with desk.db.read() as session:
        doc = session.get(SiteDocument, sitemap_path(language))
        assert doc is not None
        return etree.fromstring(doc.body)


def test_news_sitemap_lists_the_last_48_hours_with_the_sitemap_language_tag(desk: Desk) -> None:
    desk.publish(recent(1, 1), recent(30, 2), recent(47.5, 3), recent(49, 4), recent(2, 5))
    desk.publish({"id": "recent-5", "version": 2, "status": "withdrawn"})
    root = stored_sitemap(desk, "ckb")
    assert root.tag == f"{{{sitemap.SITEMAP}}}urlset"
    urls = root.findall("s:url", NS)
    assert [u.findtext("s:loc", namespaces=NS) for u in urls] == [
        f"https://chira.example/ckb/kurdistan/{n}/r" for n in (1, 2, 3)
    ]  # newest first; 49 hours old and withdrawn stories are left out
    for url in urls:
        [news] = url.findall("news:news", NS)
        assert news.findtext("news:publication/news:name", namespaces=NS) == "Chira News"
        assert news.findtext("news:publication/news:language", namespaces=NS) == "ckb"  # not ku-Arab
        assert news.findtext("news:title", namespaces=NS).startswith("پرۆژەی ئاوی هەولێر")
        assert RFC3339.match(news.findtext("news:publication_date", namespaces=NS))  # W3C datetime with a zone


def test_news_sitemap_holds_at_most_the_limit(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    # Google News' limits, as shipped: 1,000 URLs of the last 48 hours.
    assert sitemap.MAX_URLS == 1000 and timedelta(hours=48) == sitemap.WINDOW
    desk.publish(*[recent(n + 1, n) for n in range(4)])
    assert len(stored_sitemap(desk, "ckb").findall("s:url", NS)) == 4  # under the limit: all of them
    # A limit of 2 (publishing 1,001 stories would only make the test slow): the newest 2 stay.
    monkeypatch.setattr(sitemap, "MAX_URLS", 2)
    desk.publish(recent(0.5, 9))
    locs = [u.findtext("s:loc", namespaces=NS) for u in stored_sitemap(desk, "ckb").findall("s:url", NS)]
    assert locs == [f"https://chira.example/ckb/kurdistan/{n}/r" for n in (9, 0)]


def test_stale_stories_leave_the_sitemap_on_the_periodic_refresh(desk: Desk) -> None:
    desk.publish(recent(47, 1))
    assert len(stored_sitemap(desk, "ckb").findall("s:url", NS)) == 1
    with desk.db.transaction() as session:
        changed = sitemap.refresh_all(session, desk.settings, now=utcnow() + timedelta(hours=2))
    assert sitemap_path("ckb") in [d.path for d in changed]
    assert stored_sitemap(desk, "ckb").findall("s:url", NS) == []


def test_opml_lists_every_feed_in_every_format(desk: Desk) -> None:
    desk.publish(*examples())
    with desk.db.read() as session:
        doc = session.get(SiteDocument, OPML_PATH)
        assert doc is not None
        root = etree.fromstring(doc.body)
    assert root.get("version") == "2.0" and root.findtext("head/title") == "Chira News"
    listed = {o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")}
    feeds = desk.feeds()
    assert listed == {feed_url(desk.settings, f.key, fmt) for f in feeds for fmt in FORMATS}
    assert {o.get("text") for o in root.find("body")} == {"English", "Kurdish (Sorani)", "Kurdish (Kurmanji)", "Arabic"}


class Reader(threading.Thread):
    """Reads and parses every watched file over and over, as nginx would serve it, until stopped."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__(daemon=True)
        self.paths = paths
        self.stop = threading.Event()
        self.passes = 0
        self.first_pass = threading.Event()
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            for path in self.paths:
                data = path.read_bytes()
                try:
                    parse_exported(path, data)
                except Exception as exc:
                    self.failures.append(f"{path.name} ({len(data)} bytes): {exc!r}"[:300])
            self.passes += 1
            self.first_pass.set()
            time.sleep(0.001)  # let the rebuilds have the interpreter most of the time


def parse_exported(path: Path, data: bytes) -> None:
    if path.name.endswith(".gz"):
        path, data = path.with_name(path.name[:-3]), gzip.decompress(data)
    if path.name.endswith(".json"):
        json.loads(data)
    else:
        etree.fromstring(data)


def test_export_folder_follows_each_rebuild_atomically(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    configure(monkeypatch, export_dir=out, feed_size=2)
    desk.publish(article(id="e1"), article(id="e2", canonical_url="https://chira.example/en/kurdistan/2/b"))
    for path in (document_path("en", fmt) for fmt in FORMATS):
        assert (out / path).read_bytes() == desk.body("en", _fmt(path))
        assert (out / (path + ".gz")).is_file()
    assert (out / OPML_PATH).is_file() and (out / sitemap_path("en")).is_file()
    assert (out / document_path("en", "atom", 1)).is_file()  # the full archive page too

    documents = [out / document_path("en", fmt) for fmt in FORMATS]
    watched = documents + [p.with_name(p.name + ".gz") for p in documents]
    reader = Reader([*watched, out / sitemap_path("en"), out / document_path("en", "atom", 1)])
    reader.start()
    try:
        assert reader.first_pass.wait(30)
        for n in range(3, 8):
            inodes = {p: p.stat().st_ino for p in watched}
            # A long body: a file written in place would be caught half-written more easily.
            body = "".join(f"<p>Paragraph {i} of story {n}.</p>" for i in range(200))
            desk.publish(
                article(
                    id=f"e{n}",
                    headline=f"Story number {n}",
                    body_html=body,
                    canonical_url=f"https://chira.example/en/kurdistan/{n}/s",
                )
            )
            for path in documents:
                assert path.read_bytes() == desk.body("en", _fmt(str(path))), path
                assert f"Story number {n}".encode() in path.read_bytes()
            # Every changed file is a new file renamed into place, never the old one rewritten.
            same = [str(p.relative_to(out)) for p in watched if p.stat().st_ino == inodes[p]]
            assert same == [], f"rewritten in place: {same}"
    finally:
        reader.stop.set()
        reader.join(30)
    assert reader.passes > 1
    assert reader.failures == [], reader.failures[:5]
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []


def _fmt(path: str) -> str:
    return {"rss.xml": "rss", "atom.xml": "atom", "feed.json": "json"}[path.rsplit("/", 1)[1]]
