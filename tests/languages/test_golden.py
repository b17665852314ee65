"""Golden tests per language: an article through the whole pipeline (ingest, process, feeds, payloads).

The rendition of each example article must equal its golden file in
``tests/golden/languages/``. After an intended change, regenerate them with

    SYNDICATE_UPDATE_GOLDEN=1 python -m pytest tests/languages/test_golden.py

and review the diff. What reaches the feeds and the ninjs payload is checked
field by field (language tags, direction, localized labels), not byte for byte.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from syndicate.cli.run import run_embedded
from syndicate.settings import Settings, reset_settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, Feed, FeedDocument, Payload
from tests.helpers import GOLDEN, assert_valid_newsml, assert_valid_ninjs, example, parse_feed

GOLDEN_DIR = GOLDEN / "languages"
UPDATE = os.environ.get("SYNDICATE_UPDATE_GOLDEN") == "1"

# What each language must show for 21 January 2020 14:05 Asia/Baghdad.
EXPECTED = {
    "en": ("January 21, 2020, 14:05", "ltr", "en", "en", "ERBIL, Kurdistan Region", "Kurdistan"),
    "ckb": ("21ی کانوونی دووەمی 2020 14:05", "rtl", "ku-Arab", "ckb", "هەولێر، هەرێمی کوردستان", "کوردستان"),
    "kmr": ("21ê rêbendana 2020an 14:05", "ltr", "ku-Latn", "kmr", "Hewlêr, Herêma Kurdistanê", "Kurdistan"),
    "ar": ("21 كانون الثاني 2020، 14:05", "rtl", "ar", "ar", "أربيل، إقليم كوردستان", "كوردستان"),
}


def run_one(db: Database, settings: Settings, doc: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """Ingest one article and run every step in-process; return what the outputs hold."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "article.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    run_embedded(db, settings, str(folder))
    with db.read() as session:
        article = session.scalars(select(Article).where(Article.newsroom_id == doc["id"])).one()
        version = session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article.id)).one()
        feed = session.scalars(select(Feed).where(Feed.key == doc["language"])).one()
        docs = {fmt: session.get(FeedDocument, (feed.id, fmt, 0)) for fmt in ("rss", "atom", "json")}
        payloads = {p.format: p.body for p in session.scalars(select(Payload).where(Payload.version_id == version.id))}
        return {
            "document": version.document,
            "rendition": version.rendition,
            "rss": parse_feed(docs["rss"].body, "application/rss+xml"),  # type: ignore[union-attr]
            "atom": parse_feed(docs["atom"].body, "application/atom+xml"),  # type: ignore[union-attr]
            "json": json.loads(docs["json"].body),  # type: ignore[union-attr]
            "ninjs": assert_valid_ninjs(payloads["ninjs"]),
            "newsml": assert_valid_newsml(payloads["newsml"]),
        }


def compare_golden(name: str, rendition: dict[str, Any]) -> None:
    path = GOLDEN_DIR / f"{name}.json"
    text = json.dumps(rendition, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    assert path.exists(), f"no golden file {path}: run with SYNDICATE_UPDATE_GOLDEN=1"
    assert json.loads(path.read_text("utf-8")) == rendition, f"rendition differs from {path}"


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_article_through_the_pipeline(code: str, db: Database, settings: Settings, tmp_path: Path) -> None:
    when, direction, feed_tag, bcp47, dateline, section = EXPECTED[code]
    out = run_one(db, settings, example(f"cn-88412.{code}.json"), tmp_path)
    rend = out["rendition"]
    compare_golden(f"cn-88412.{code}", rend)
    assert rend["published_display"] == rend["updated_display"] == when
    assert rend["dir"] == direction
    assert rend["body_html"].startswith(f'<div lang="{bcp47}" dir="{direction}">')
    assert rend["dateline"] == dateline
    assert rend["section_label"] == section
    # Feeds: the W3C-valid tag, direction inside the HTML, the localized section as category label.
    for fmt in ("rss", "atom"):
        parsed = out[fmt]
        assert parsed.feed.language == feed_tag
        entry = parsed.entries[0]
        assert entry.title == rend["title"]
        html = entry.content[0].value
        assert f'dir="{direction}"' in html and f'lang="{bcp47}"' in html
    assert out["atom"].entries[0].tags[0].label == section
    # ninjs: BCP 47 tag, the body with its direction.
    ninjs = out["ninjs"]
    assert ninjs["language"] == bcp47
    assert ninjs["bodies"][0]["value"] == rend["body_html"]
    assert ninjs["headlines"][0]["value"] == out["document"]["headline"]
    assert ninjs["located"] == dateline


@pytest.mark.parametrize(
    ("code", "when", "headline_digits"),
    [("ckb", "٢١ی کانوونی دووەمی ٢٠٢٠ ١٤:٠٥", "٤٠٠"), ("ar", "٢١ كانون الثاني ٢٠٢٠، ١٤:٠٥", "٤٠٠")],
    ids=["ckb", "ar"],
)
def test_arabic_indic_digits_reach_the_feed(
    code: str, when: str, headline_digits: str, db: Database, settings: Settings, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("SYNDICATE_DIGITS", json.dumps({code: "arab"}))
    reset_settings()
    out = run_one(db, settings, example(f"cn-88412.{code}.json"), tmp_path)
    rend = out["rendition"]
    assert rend["published_display"] == when
    assert headline_digits in rend["headline"] and "400" in out["document"]["headline"]  # stored canonical
    assert out["rss"].entries[0].title == rend["title"]
    assert "٨٥" in out["rss"].entries[0].content[0].value  # body text digits too


MESSY_CKB = {
    # Legacy heh + ZWNJ, Arabic kaf and yeh, tatweel, a presentation-form ligature, Arabic-Indic digits.
    "headline": "پرۆژه\u200cی ئاوی هه\u200cولێر تا هاویـــن ئاو بە ٤٠٠ هەزار هاووڵاتى دەگەیەنێت",
    "standfirst": "وێستگه\u200cی پاڵاوتنی ئاو لە باشووری شار ٧٠%ی تەواو بووە و سەرەتا ئاوی خواردنەوە بە "
    "گەڕەکەکانی باشوور و ڕۆژئاوا دەگات.",
    "tags": ["هه\u200cولێر", "\ufe8b\ufe8e\ufeed", "ژێرخان"],  # ئاو from a PDF: initial, final, isolated forms
}


def test_messy_sorani_gives_the_same_rendition_as_clean_sorani(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    clean = example("cn-88412.ckb.json")
    messy = {**clean, **MESSY_CKB}
    assert messy != clean
    rend = run_one(db, settings, messy, tmp_path)["rendition"]
    golden = json.loads((GOLDEN_DIR / "cn-88412.ckb.json").read_text("utf-8"))
    assert rend == golden
