"""A fifth language is a registry entry plus a catalog, nothing else.

Persian is added here, in the test only: its catalog is started with
``syndicate i18n init``'s code path and translated, then a Persian article goes
through ingest, localization, feeds and payloads without any other change.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from babel.dates import get_month_names
from babel.messages.pofile import read_po, write_po
from sqlalchemy import select

from syndicate.cli.run import run_embedded
from syndicate.domain.prepare import parse_document
from syndicate.languages import catalogs, i18n
from syndicate.languages.i18n import gettext, language_name, ngettext
from syndicate.languages.localize import localize
from syndicate.languages.registry import LANGUAGES, Language
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import ArticleVersion, Feed, FeedDocument, Payload
from syndicate.translation.states import JobState
from syndicate.translation.tables import TranslationJob
from tests.helpers import article, parse_feed

PERSIAN = Language(
    code="fa",
    native_name="فارسی",
    english_name="Persian",
    script="Arab",
    direction="rtl",
    babel_locale="fa",
    catalog="fa",
    feed_tag="fa",
    bcp47="fa",
    orthography="arabic-script",
    digits="arabext",
    slug_style="native",
    comma="،",
)

FA = {
    "{outlet}": "{outlet}",
    "Latest stories from {outlet} in {language}": "تازه‌ترین خبرهای {outlet} به زبان {language}",
    "{outlet}: {section}": "{outlet}: {section}",
    "{outlet}: stories tagged {tag}": "{outlet}: خبرهای مربوط به {tag}",
    "{outlet}: stories by {author}": "{outlet}: نوشته‌های {author}",
    "Archive of {title}: {count}": "بایگانی {title}: {count}",
    "Photo: {credit}": "عکس: {credit}",
    "Correction": "اصلاحیه",
    "Correction: {note}": "اصلاحیه: {note}",
    "Updated": "به‌روزرسانی شد",
    "Updated {date}": "آخرین به‌روزرسانی: {date}",
    "Machine translation": "ترجمهٔ ماشینی",
    "Machine-translated from {language}; not yet reviewed by an editor": (
        "ترجمهٔ ماشینی از {language}؛ هنوز ویراستاری آن را بازبینی نکرده است"
    ),
    "Translated from {language}": "ترجمه از {language}",
    "This story was withdrawn.": "این خبر پس گرفته شد.",
    "English": "انگلیسی",
    "Kurdish (Sorani)": "کردی (سورانی)",
    "Kurdish (Kurmanji)": "کردی (کرمانجی)",
    "Arabic": "عربی",
    "Kurdistan": "کردستان",
    "Iraq": "عراق",
    "Syria": "سوریه",
    "World": "جهان",
    "Politics": "سیاست",
    "Economy": "اقتصاد",
    "Culture": "فرهنگ",
    "Sport": "ورزش",
    "Opinion": "دیدگاه",
}


@pytest.fixture
def persian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Persian in the registry and a translated catalog in a copy of locales/."""
    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, locales)
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales)
    monkeypatch.setitem(LANGUAGES, "fa", PERSIAN)
    po = catalogs.init("fa")
    with po.open("rb") as fh:
        catalog = read_po(fh)
    for msg in catalog:
        if msg.id:
            msg.string = ("{n} خبر", "{n} خبر") if isinstance(msg.id, tuple) else FA[msg.id]
    with po.open("wb") as fh:
        write_po(fh, catalog, width=0)
    return po


def persian_date() -> str:
    """21 January 2020 14:05 in Persian: CLDR's month name (it changed across CLDR releases), Persian digits."""
    return f"۲۱ {get_month_names('wide', 'format', 'fa')[1]} ۲۰۲۰، ۱۴:۰۵"


def persian_article(**overrides: object) -> dict:
    return article(
        id="fa-1",
        language="fa",
        headline="پروژهٔ آب اربیل تا تابستان به ۴۰۰ هزار نفر آب می‌رساند",
        standfirst="ســاخت تصفیه‌خانه ۷۰ درصد پیش رفته است.",
        body_html="<p>وزارت شهرداری‌ها در اقلیم کردستان روز سه‌شنبه اعلام کرد.</p>",
        dateline="Erbil, Kurdistan Region",
        tags=["Erbil", "آب"],
        **overrides,
    )


def test_the_catalog_is_complete_with_cldrs_plural_rule(persian: Path) -> None:
    report = catalogs.check_catalog("fa", catalogs.read_template())
    assert report.problems == ()
    assert "Plural-Forms: nplurals=2;" in persian.read_text("utf-8")
    assert ngettext("fa", "{n} story", "{n} stories", 0).format(n=0) == "0 خبر"


def test_a_persian_article_is_normalised_and_localized(persian: Path) -> None:
    doc = parse_document(persian_article(), max_bytes=1_000_000).document()
    assert doc["headline"] == "پروژهٔ آب اربیل تا تابستان به 400 هزار نفر آب می‌رساند"  # ZWNJ kept, digits ASCII
    assert doc["standfirst"] == "ساخت تصفیه‌خانه 70 درصد پیش رفته است."
    rend = localize(doc, article_id=5)
    assert rend["dir"] == "rtl"
    assert rend["body_html"].startswith('<div lang="fa" dir="rtl">')
    assert rend["headline"] == "پروژهٔ آب اربیل تا تابستان به ۴۰۰ هزار نفر آب می‌رساند"
    assert rend["published_display"] == persian_date()
    assert rend["section_label"] == "کردستان"
    assert rend["dateline"] == "Erbil، Kurdistan Region"  # no Persian names in the glossary yet: English
    assert rend["path"].startswith("/fa/kurdistan/5/پروژه-آب-اربیل")  # no combining hamza in slugs
    assert gettext("fa", "Photo: {credit}").format(credit="AFP") == "عکس: AFP"
    assert language_name("ckb", "fa") == "کردی (سورانی)"
    # The other catalogs do not know "Persian" yet: CLDR names it meanwhile.
    assert language_name("fa", "ckb") == "فارسی" and language_name("fa", "ar") == "الفارسية"


def test_a_persian_article_goes_through_the_whole_pipeline(
    persian: Path, db: Database, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "fa.json").write_text(json.dumps(persian_article(), ensure_ascii=False), "utf-8")
    run_embedded(db, settings, str(folder))
    with db.read() as session:
        version = session.scalars(select(ArticleVersion)).one()
        feed = session.scalars(select(Feed).where(Feed.key == "fa")).one()
        rss = session.get(FeedDocument, (feed.id, "rss", 0))
        ninjs = session.scalars(select(Payload).where(Payload.format == "ninjs")).one()
    assert version.rendition and version.rendition["published_display"] == persian_date()
    assert rss is not None
    parsed = parse_feed(rss.body, "application/rss+xml")
    assert parsed.feed.language == "fa"
    body = parsed.entries[0].content[0].value
    assert body.startswith("<div") and 'dir="rtl"' in body and 'lang="fa"' in body
    assert json.loads(ninjs.body)["language"] == "fa"


def test_translation_jobs_to_and_from_persian_reach_the_desk(
    persian: Path, db: Database, settings: Settings, tmp_path: Path
) -> None:
    """The memory and the human desk (the default route) serve every registered language."""
    assert settings.translation_routes == {"*": ["memory", "human"]}
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "fa.json").write_text(json.dumps(persian_article(), ensure_ascii=False), "utf-8")
    (folder / "en.json").write_text(json.dumps(article(id="en-1"), ensure_ascii=False), "utf-8")
    run_embedded(db, settings, str(folder))
    with db.read() as session:
        jobs = {(j.source_language, j.target_language): j for j in session.scalars(select(TranslationJob))}
    into, out_of = jobs[("en", "fa")], jobs[("fa", "en")]
    for job in (into, out_of):
        # Nothing in the memory, no machine: the job waits for a translator instead of failing.
        assert (job.state, job.failure_reason) == (JobState.in_review, None)
    assert {j.state for j in jobs.values()} == {JobState.in_review}
    assert {t for s, t in jobs if s == "en"} == {"ckb", "kmr", "ar", "fa"}
