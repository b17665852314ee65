"""RFC 5005 archives: stable pages, the links between them, and rebuilds that touch only changed pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syndicate.feeds import render
from syndicate.feeds.spec import CONTENT_TYPES
from syndicate.feeds.urls import feed_url
from tests.feeds.conftest import Desk, configure
from tests.feeds.rules import check_atom, check_jsonfeed, check_rss
from tests.helpers import article, parse_feed


def story(n: int, **overrides: object) -> dict:
    return article(
        id=f"a{n}",
        headline=f"Story number {n}",
        published_at=f"2021-05-{n:02d}T10:00:00+03:00",
        canonical_url=f"https://chira.example/en/kurdistan/{n}/story-{n}",
        **overrides,
    )


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Pages of the ``en`` feed that rebuilds render (0 = the subscription document)."""
    built: list[int] = []
    real = render.build_spec

    def build_spec(session, settings, feed, page=0, archived=0):  # type: ignore[no-untyped-def]
        if feed.key == "en":
            built.append(page)
        return real(session, settings, feed, page, archived=archived)

    monkeypatch.setattr(render, "build_spec", build_spec)
    yield built


def ids(desk: Desk, page: int) -> list[str]:
    parsed = parse_feed(desk.body("en", "atom", page), CONTENT_TYPES["atom"])
    return [e.id.rsplit(":", 1)[1] for e in parsed.entries]


def etags(desk: Desk) -> dict[int, str]:
    feed = desk.feed("en")
    out = {}
    for page in range(1, feed.archived_pages + 1):
        doc = desk.document("en", "atom", page)
        assert doc is not None and doc.complete
        out[page] = doc.etag
    return out


def test_pages_fill_link_and_rebuild_only_when_their_content_changes(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, spy: list[int]
) -> None:
    configure(monkeypatch, feed_size=3)
    for n in range(1, 8):
        desk.publish(story(n))
    assert desk.feed("en").archived_pages == 2
    assert ids(desk, 0) == ["a7", "a6", "a5"]  # the newest feed_size entries
    assert ids(desk, 1) == ["a3", "a2", "a1"] and ids(desk, 2) == ["a6", "a5", "a4"]
    before = etags(desk)

    spy.clear()
    desk.publish(story(8))  # position 8: the third page is not full yet
    assert sorted(set(spy)) == [0]
    assert etags(desk) == before

    spy.clear()
    desk.publish(story(9))  # fills page 3; page 2 gains its next-archive link
    assert sorted(set(spy)) == [0, 2, 3]
    after = etags(desk)
    assert after[1] == before[1] and after[2] != before[2]
    assert ids(desk, 2) == ["a6", "a5", "a4"] and ids(desk, 3) == ["a9", "a8", "a7"]

    spy.clear()
    desk.publish(story(2, version=2, status="corrected", correction_note="The date was wrong."))
    assert sorted(set(spy)) == [0, 1]  # only the page holding the corrected story
    corrected = etags(desk)
    assert corrected[1] != after[1] and corrected[2] == after[2] and corrected[3] == after[3]
    assert b"The date was wrong." in desk.body("en", "atom", 1)

    spy.clear()
    desk.publish({"id": "a5", "version": 2, "status": "withdrawn", "reason": "legal"})
    assert sorted(set(spy)) == [0, 2]
    assert ids(desk, 2) == ["a6", "a4"]  # withdrawn stories leave archives too
    # Archive titles count the stories the page holds (the catalog's plural forms).
    titles = {p: parse_feed(desk.body("en", "atom", p), CONTENT_TYPES["atom"]).feed.title for p in (1, 2)}
    assert titles == {1: "Archive of Chira News: 3 stories", 2: "Archive of Chira News: 2 stories"}
    for page in range(4):
        for fmt in ("rss", "atom", "json"):
            assert b"a5<" not in desk.body("en", fmt, page) and b'a5"' not in desk.body("en", fmt, page)


def test_archive_documents_carry_rfc5005_links(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, feed_size=2)
    for n in range(1, 8):  # 7 entries: pages 1-3 full, the 7th only in the subscription document
        desk.publish(story(n))
    settings = desk.settings
    url = lambda fmt, page: feed_url(settings, "en", fmt, page)  # noqa: E731
    for fmt, check in (("rss", check_rss), ("atom", check_atom)):
        for page in range(4):
            body = desk.body("en", fmt, page)
            check(body, url(fmt, page))
            parsed = parse_feed(body, CONTENT_TYPES[fmt])
            links = {link.rel: link.href for link in parsed.feed.links}
            assert links["self"] == url(fmt, page)
            if page == 0:
                assert links["prev-archive"] == url(fmt, 3) and "current" not in links
                assert b"fh:archive" not in body
                continue
            assert b"<fh:archive/>" in body and links["current"] == url(fmt, 0)
            assert links.get("prev-archive") == (url(fmt, page - 1) if page > 1 else None)
            assert links.get("next-archive") == (url(fmt, page + 1) if page < 3 else None)
    everything: list[str] = []
    for page in range(4):
        everything += [i["id"] for i in check_jsonfeed(desk.body("en", "json", page))["items"]]
    assert sorted(set(everything)) == sorted(f"tag:chira.example,2020:a{n}" for n in range(1, 8))
    front = check_jsonfeed(desk.body("en", "json", 0))
    assert front["next_url"] == url("json", 3)
    assert check_jsonfeed(desk.body("en", "json", 1))["_syndicate"]["archive"] is True


def test_changing_the_page_size_recuts_the_archive(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, feed_size=2)
    for n in range(1, 6):
        desk.publish(story(n))
    assert desk.feed("en").archived_pages == 2
    configure(monkeypatch, feed_size=4)
    desk.publish(story(6))
    feed = desk.feed("en")
    assert feed.page_size == 4 and feed.archived_pages == 1
    assert desk.document("en", "atom", 2) is None
    assert ids(desk, 1) == ["a4", "a3", "a2", "a1"]


def test_a_new_language_version_relinks_the_archived_story(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, spy: list[int]
) -> None:
    configure(monkeypatch, feed_size=2)
    for n in range(1, 4):
        desk.publish(story(n))
    assert b"hreflang" not in desk.body("en", "atom", 1)
    spy.clear()
    translation = article(
        id="a1-ar",
        language="ar",
        translation_of="a1",
        headline="مشروع مياه أربيل",
        body_html="<p>قالت الوزارة إن المحطة ستفتح.</p>",
        canonical_url="https://chira.example/ar/kurdistan/1/مشروع",
        tags=["أربيل"],
    )
    desk.publish(translation)
    assert sorted(set(spy)) == [0, 1]  # the archived page of the English story gains its hreflang link
    parsed = parse_feed(desk.body("en", "atom", 1), CONTENT_TYPES["atom"])
    [a1] = [e for e in parsed.entries if e.id.endswith(":a1")]
    assert [(link.get("hreflang"), link.href) for link in a1.links if link.get("hreflang")] == [
        ("ar", "https://chira.example/ar/kurdistan/1/%D9%85%D8%B4%D8%B1%D9%88%D8%B9")
    ]
