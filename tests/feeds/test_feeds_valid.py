"""Every feed of every family, served over HTTP, parses cleanly and follows the validator's rules."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from syndicate.api.app import create_app
from syndicate.feeds.spec import CONTENT_TYPES, FORMATS
from syndicate.feeds.urls import feed_url
from syndicate.languages.i18n import gettext
from tests.feeds.conftest import Desk, configure
from tests.feeds.rules import check_atom, check_jsonfeed, check_rss
from tests.helpers import examples, parse_feed

PATH = "http://127.0.0.1:8000"


@pytest.fixture
def published(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> Desk:
    # Two entries per page, so the example languages get archive pages too. Nothing listens on the
    # hub's port: pings fail at once and are retried later, which must not change what is rendered.
    configure(monkeypatch, feed_size=2, websub_hubs="http://127.0.0.1:9/publish")
    desk.publish(*examples(), drain=False)
    # What the translation jobs record for a machine translation (before its steps run).
    desk.set_article("cn-88412-kmr", machine_translated=True, origin="translation")
    desk.drain()
    return desk


def served(client: TestClient, url: str, fmt: str) -> bytes:
    response = client.get(url.removeprefix(PATH))
    assert response.status_code == 200, url
    assert response.headers["content-type"] == CONTENT_TYPES[fmt]
    return response.content


def test_every_feed_document_is_valid_when_served(published: Desk) -> None:
    client = TestClient(create_app(published.settings))
    checked = 0
    for feed in published.feeds():
        archived = feed.archived_pages
        for page in range(archived + 1):
            for fmt in FORMATS:
                url = feed_url(published.settings, feed.key, fmt, page)
                body = served(client, url, fmt)
                if fmt == "json":
                    check_jsonfeed(body)
                    continue
                (check_rss if fmt == "rss" else check_atom)(body, url)
                parsed = parse_feed(body, CONTENT_TYPES[fmt])
                rels = {link.get("rel") for link in parsed.feed.links}
                assert "self" in rels
                if page == 0:
                    assert "hub" in rels
                    assert ("prev-archive" in rels) == (archived > 0)
                else:
                    assert {"current"} <= rels and ("prev-archive" in rels) == (page > 1)
                    assert ("next-archive" in rels) == (page < archived)
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feedparser_sees_languages_alternates_and_media_credit(published: Desk, fmt: str) -> None:
    body = published.body("ckb", fmt)
    parsed = parse_feed(body, CONTENT_TYPES[fmt])
    if fmt == "rss":
        assert parsed.feed.language == "ku-Arab"
    else:
        assert parsed.feed.title_detail.language == "ku-Arab"
    entries = {e.id: e for e in parsed.entries}
    semalka = entries["tag:chira.example,2020:cn-91730-ckb"]
    hreflangs = {link.get("hreflang"): link.href for link in semalka.links if link.get("hreflang")}
    assert set(hreflangs) == {"ar", "en", "ku-Latn"}
    assert hreflangs["en"] == "https://chira.example/en/syria/91730/semalka-crossing-reopens-after-two-weeks"
    assert semalka.title_detail.language == "ku-Arab"
    assert [c["content"] for c in semalka.media_credit] == ["Chira News"]
    assert semalka.media_content[0]["url"] == "https://media.chira.example/2021/03/semalka-trucks.jpg"
    # Direction lives in the content, never as an attribute of the feed markup.
    assert 'dir="rtl"' in semalka.content[0].value and 'lang="ckb"' in semalka.content[0].value


def test_corrections_and_machine_translation_are_labelled(published: Desk) -> None:
    """Labels are in the reader's language (from the catalogs), and machine-readable as categories."""
    correction = gettext("ckb", "Correction")
    mt_label = gettext("kmr", "Machine translation")
    mt_note = gettext("kmr", "Machine-translated from {language}; not yet reviewed by an editor").format(
        language=gettext("kmr", "English")
    )
    assert correction != "Correction" and mt_label != "Machine translation"  # real translations, not English
    for fmt in ("rss", "atom"):
        parsed = parse_feed(published.body("ckb/section/culture", fmt), CONTENT_TYPES[fmt])
        [newroz] = parsed.entries
        assert 'class="correction"' in newroz.content[0].value and correction in newroz.content[0].value
        assert correction in {t.get("label") or t.term for t in newroz.tags}
        assert newroz.updated_parsed != newroz.published_parsed  # the entry says when it changed
        parsed = parse_feed(published.body("kmr", fmt), CONTENT_TYPES[fmt])
        mt = {e.id: e for e in parsed.entries}["tag:chira.example,2020:cn-88412-kmr"]
        assert mt_note in mt.content[0].value
        assert mt_note in mt.summary
        assert mt_label in {t.get("label") or t.term for t in mt.tags}
        human = {e.id: e for e in parsed.entries}["tag:chira.example,2020:cn-91730"]
        assert mt_note not in human.content[0].value and "machine" not in human.content[0].value
    data = check_jsonfeed(published.body("kmr", "json"))
    item = {i["id"]: i for i in data["items"]}["tag:chira.example,2020:cn-88412-kmr"]
    assert item["_syndicate"]["machine_translated"] is True and mt_label in item["tags"]


def test_json_feed_uses_bcp47_and_xml_feeds_use_validator_tags(published: Desk) -> None:
    for code, feed_tag in (("ckb", "ku-Arab"), ("kmr", "ku-Latn"), ("ar", "ar"), ("en", "en")):
        data = check_jsonfeed(published.body(code, "json"))
        assert data["language"] == code and {i["language"] for i in data["items"]} == {code}
        assert f"<language>{feed_tag}</language>".encode() in published.body(code, "rss")
        assert f'xml:lang="{feed_tag}"'.encode() in published.body(code, "atom")


def test_images_whose_rights_forbid_feed_reuse_are_left_out(desk: Desk) -> None:
    from tests.helpers import article

    # Embedded in the body too: that one goes (with its captioned figure); an unlisted image stays.
    body = (
        '<p>Text.</p><figure><img src="https://media.chira.example/erbil.jpg" alt="The plant">'
        '<figcaption>Rebaz Omar/AFP</figcaption></figure><p><img src="https://chira.example/map.png" alt="Map"></p>'
    )
    doc = article(id="no-reuse", body_html=body)
    doc["media"] = [dict(doc["media"][0], feed_reuse=False)]
    desk.publish(doc)
    for fmt in ("rss", "atom"):
        body = desk.body("en", fmt)
        assert b"media:content" not in body and b"erbil.jpg" not in body and b"Rebaz Omar/AFP" not in body
        assert b"map.png" in body and b"Text." in body
    item = check_jsonfeed(desk.body("en", "json"))["items"][0]
    assert "image" not in item and "erbil.jpg" not in item["content_html"] and "map.png" in item["content_html"]
