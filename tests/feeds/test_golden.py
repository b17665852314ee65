"""Golden files: the exact bytes of the language feeds (all four languages, every format, an archive page).

Regenerate after an intended change, then review the diff:

    SYNDICATE_UPDATE_GOLDEN=1 python -m pytest tests/feeds/test_golden.py -p no:xdist

The same bytes must come out of SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from syndicate.feeds import websub
from syndicate.feeds.spec import FILENAMES, FORMATS
from syndicate.feeds.urls import OPML_PATH, document_path
from syndicate.storage.models import SiteDocument
from tests.feeds.conftest import Desk, configure
from tests.helpers import GOLDEN, examples

FOLDER = GOLDEN / "feeds"
UPDATE = os.environ.get("SYNDICATE_UPDATE_GOLDEN") == "1"
LANGUAGES = ("en", "ckb", "kmr", "ar")
ARCHIVE_TITLES = {
    "en": "Archive of Chira News: 2 stories",
    "ckb": "ئەرشیفی Chira News: 2 هەواڵ",
    "kmr": "Arşîva Chira News: 2 nûçe",
    "ar": "أرشيف Chira News: خبران",
}


def compare(name: str, body: bytes) -> None:
    path = FOLDER / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        return
    assert path.exists(), f"missing golden file {path}; regenerate (see the module docstring)"
    assert body.decode("utf-8") == path.read_text("utf-8"), f"{name} differs from its golden file"


@pytest.fixture
def golden_desk(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> Desk:
    configure(monkeypatch, feed_size=2, websub_hubs="https://hub.chira.example/")
    monkeypatch.setattr(websub, "send_ping", lambda hub, topic, timeout: None)
    desk.publish(*examples(), drain=False)
    desk.set_article("cn-88412-kmr", machine_translated=True, origin="translation")
    desk.drain()
    return desk


def test_language_feeds_match_golden_files(golden_desk: Desk) -> None:
    names = []
    for lang in LANGUAGES:
        feed = golden_desk.feed(lang)
        for page in range(feed.archived_pages + 1):
            for fmt in FORMATS:
                name = document_path(lang, fmt, page)
                compare(name, golden_desk.body(lang, fmt, page))
                names.append(name)
    with golden_desk.db.read() as session:
        opml = session.get(SiteDocument, OPML_PATH)
        assert opml is not None
        compare(OPML_PATH, opml.body)
    # Archive titles count their stories through each catalog's plural forms (Arabic: the dual).
    for lang, title in ARCHIVE_TITLES.items():
        for fmt in FORMATS:
            assert title in golden_desk.body(lang, fmt, 1).decode("utf-8")
    # Every language, every format; ckb and ar have archive pages with two entries per page.
    assert {n.split("/")[0] for n in names} == set(LANGUAGES)
    assert f"ckb/archive/1/{FILENAMES['atom']}" in names and f"ar/archive/1/{FILENAMES['rss']}" in names


def test_golden_folder_has_no_stale_files(golden_desk: Desk) -> None:
    expected = {OPML_PATH}
    for lang in LANGUAGES:
        for page in range(golden_desk.feed(lang).archived_pages + 1):
            expected |= {document_path(lang, fmt, page) for fmt in FORMATS}
    present = {str(p.relative_to(FOLDER)) for p in Path(FOLDER).rglob("*") if p.is_file()}
    assert present == expected
