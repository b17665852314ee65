"""The service's own words and the glossary's names reach every output, in each language.

Tags are shown as the glossary names them in the article's language (a stable
machine value stays where the format has one); "Photo: {credit}", "Updated
{date}", "Updated" and the story count come from the catalogs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syndicate.feeds import labels
from syndicate.settings import Settings, reset_settings
from syndicate.storage.db import Database
from tests.helpers import example
from tests.languages.test_golden import run_one

NAR = "{http://iptc.org/std/nar/2006-10-01/}"

# The credit line under the example's image, and "Updated" with the date of updated_at below.
PHOTO = {
    "en": "Photo: Rebaz Omar/AFP",
    "ckb": "وێنە: Rebaz Omar/AFP",
    "kmr": "Wêne: Rebaz Omar/AFP",
    "ar": "صورة: Rebaz Omar/AFP",
}
UPDATED_AT = "2020-01-22T10:15:00+03:00"
UPDATED = {
    "en": ("Updated January 22, 2020", "Updated"),
    "ckb": ("دوایین نوێکردنەوە: 22ی کانوونی دووەمی 2020", "نوێکرایەوە"),
    "kmr": ("Nûkirina dawî: 22ê rêbendana 2020an", "Hate nûkirin"),
    "ar": ("آخر تحديث: 22 كانون الثاني 2020", "تم التحديث"),
}


def _newsml_texts(tree: object, name: str) -> list[str]:
    return [el.text for el in tree.iter(f"{NAR}{name}")]  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", sorted(PHOTO))
def test_the_photo_credit_line_is_localized_in_feeds_and_payloads(
    code: str, db: Database, settings: Settings, tmp_path: Path
) -> None:
    out = run_one(db, settings, example(f"cn-88412.{code}.json"), tmp_path)
    for fmt in ("rss", "atom"):
        html = out[fmt].entries[0].content[0].value
        assert f'<small class="credit">{PHOTO[code]}</small>' in html
        assert "<figure><img" in html and out["document"]["media"][0]["caption"] in html
    assert PHOTO[code] in out["json"]["items"][0]["content_html"]
    image = next(a for a in out["ninjs"]["associations"] if a["type"] == "picture")
    assert image["by"] == PHOTO[code]
    assert _newsml_texts(out["newsml"], "creditline") == [PHOTO[code]]
    # media:credit stays the plain credit: it names the photographer, it is not a sentence.
    assert [c["content"] for c in out["rss"].entries[0].media_credit] == ["Rebaz Omar/AFP"]


@pytest.mark.parametrize("code", sorted(UPDATED))
def test_an_updated_story_says_so_with_the_localized_date(
    code: str, db: Database, settings: Settings, tmp_path: Path
) -> None:
    line, label = UPDATED[code]
    doc = {**example(f"cn-88412.{code}.json"), "updated_at": UPDATED_AT}
    out = run_one(db, settings, doc, tmp_path)
    for fmt in ("rss", "atom"):
        entry = out[fmt].entries[0]
        assert f'<p class="updated"><strong>{line}</strong></p>' in entry.content[0].value
    atom = {t.term: t.label for t in out["atom"].entries[0].tags}
    assert atom["updated"] == label
    assert label in out["json"]["items"][0]["tags"]


def test_a_story_never_updated_has_no_updated_line(db: Database, settings: Settings, tmp_path: Path) -> None:
    out = run_one(db, settings, example("cn-88412.ckb.json"), tmp_path)
    html = out["atom"].entries[0].content[0].value
    assert 'class="updated"' not in html and UPDATED["ckb"][0] not in html
    assert "updated" not in {t.term for t in out["atom"].entries[0].tags}


def test_glossary_names_of_tags_reach_feeds_and_payloads(db: Database, settings: Settings, tmp_path: Path) -> None:
    """A Sorani article tagged in English shows Sorani names; the stored tag stays the machine value."""
    doc = {**example("cn-88412.ckb.json"), "tags": ["Erbil", "Kurdistan Region", "ئاو"]}
    out = run_one(db, settings, doc, tmp_path)
    shown = ["هەولێر", "هەرێمی کوردستان", "ئاو"]
    assert out["rendition"]["tags_display"] == shown
    atom = [(t.term, t.label) for t in out["atom"].entries[0].tags]
    assert atom[1:4] == [("Erbil", "هەولێر"), ("Kurdistan Region", "هەرێمی کوردستان"), ("ئاو", "ئاو")]
    assert [t.term for t in out["rss"].entries[0].tags][1:4] == shown  # RSS shows the label
    assert out["json"]["items"][0]["tags"][1:4] == shown
    subjects = [(s["name"], s["literal"]) for s in out["ninjs"]["subjects"] if s["rel"] == "tag"]
    assert subjects == [("هەولێر", "Erbil"), ("هەرێمی کوردستان", "Kurdistan Region"), ("ئاو", "ئاو")]
    newsml = [
        (s.get("literal"), s.find(f"{NAR}name").text)
        for s in out["newsml"].iter(f"{NAR}subject")
        if s.get("literal", "").startswith("tag:")
    ]
    assert newsml == [("tag:Erbil", "هەولێر"), ("tag:Kurdistan Region", "هەرێمی کوردستان"), ("tag:ئاو", "ئاو")]


# "Archive of Chira News: {count}" for one form of each plural category the language has.
ARCHIVE_TITLES = {
    "en": {1: "Archive of Chira News: 1 story", 2: "Archive of Chira News: 2 stories"},
    "ckb": {1: "ئەرشیفی Chira News: 1 هەواڵ", 50: "ئەرشیفی Chira News: 50 هەواڵ"},
    "kmr": {1: "Arşîva Chira News: 1 nûçe", 50: "Arşîva Chira News: 50 nûçe"},
    # Arabic: zero, one, two, few (3-10), many (11-99), other (100-102).
    "ar": {
        0: "أرشيف Chira News: لا أخبار",
        1: "أرشيف Chira News: خبر واحد",
        2: "أرشيف Chira News: خبران",
        3: "أرشيف Chira News: 3 أخبار",
        11: "أرشيف Chira News: 11 خبرًا",
        100: "أرشيف Chira News: 100 خبر",
    },
}


@pytest.mark.parametrize("code", sorted(ARCHIVE_TITLES))
def test_archive_titles_count_their_stories_through_the_catalog(code: str) -> None:
    for n, title in ARCHIVE_TITLES[code].items():
        assert labels.archive_title(code, "Chira News", n) == title


def test_arabic_archive_titles_use_all_six_plural_forms() -> None:
    titles = {n: labels.archive_title("ar", "X", n) for n in (0, 1, 2, 3, 11, 100, 103, 111)}
    assert len(set(titles.values())) == 8  # the number itself differs from 3 on
    forms = {t.removeprefix("أرشيف X: ").replace(str(n), "{n}") for n, t in titles.items()}
    assert forms == {"لا أخبار", "خبر واحد", "خبران", "{n} أخبار", "{n} خبرًا", "{n} خبر"}


def test_story_counts_take_the_editorial_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNDICATE_DIGITS", json.dumps({"ar": "arab"}))
    reset_settings()
    assert labels.archive_title("ar", "X", 11) == "أرشيف X: ١١ خبرًا"
    assert labels.archive_title("ar", "X", 2) == "أرشيف X: خبران"
