"""News sitemaps (48 hours, 1,000 URLs, sitemap language tags), the OPML list, and the export folder."""

from __future__ import annotations

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
    monkeypatch.setattr(sitemap, "MAX_URLS", 2)
    desk.publish(*[recent(n + 1, n) for n in range(4)])
    assert len(stored_sitemap(desk, "ckb").findall("s:url", NS)) == 2
    assert sitemap.MAX_URLS == 2 and timedelta(hours=48) == sitemap.WINDOW


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
    before = (out / "en/atom.xml").read_bytes()
    desk.publish(article(id="e3", headline="A third story", canonical_url="https://chira.example/en/kurdistan/3/c"))
    after = (out / "en/atom.xml").read_bytes()
    assert after != before and b"A third story" in after and after == desk.body("en", "atom")
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []


def _fmt(path: str) -> str:
    return {"rss.xml": "rss", "atom.xml": "atom", "feed.json": "json"}[path.rsplit("/", 1)[1]]
