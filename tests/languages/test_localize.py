"""Localized renditions: dates, digits, datelines, section labels, tags and direction."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from syndicate.languages.localize import format_context, format_day, format_when, localize, section_label
from syndicate.languages.registry import LANGUAGES, get_language
from syndicate.languages.script import isolate_html, localize_digits
from syndicate.settings import reset_settings
from tests.helpers import article

# 21 January 2020 14:05 in Asia/Baghdad (+03:00).
MOMENT = datetime(2020, 1, 21, 11, 5, tzinfo=UTC)

DATES = {
    "en": ("January 21, 2020, 14:05", None),
    "ckb": ("21ی کانوونی دووەمی 2020 14:05", "٢١ی کانوونی دووەمی ٢٠٢٠ ١٤:٠٥"),
    "kmr": ("21ê rêbendana 2020an 14:05", None),
    "ar": ("21 كانون الثاني 2020، 14:05", "٢١ كانون الثاني ٢٠٢٠، ١٤:٠٥"),
}


@pytest.mark.parametrize("code", sorted(DATES))
def test_dates_in_the_readers_locale_and_zone(code: str) -> None:
    latin, _ = DATES[code]
    assert format_when(MOMENT, LANGUAGES[code]) == latin


@pytest.mark.parametrize("code", ["ckb", "ar"])
def test_arabic_indic_digits_when_the_editors_want_them(code: str) -> None:
    arab = replace(LANGUAGES[code], digits="arab")
    assert format_when(MOMENT, arab) == DATES[code][1]


def test_digit_style_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_language("ckb").digits == "latn"  # the outlet's default, not CLDR's
    monkeypatch.setenv("SYNDICATE_DIGITS", '{"ckb": "arab", "ar": "arab"}')
    reset_settings()
    assert get_language("ckb").digits == "arab" and get_language("ar").digits == "arab"
    rendition = localize(article(language="ckb", headline="پرۆژەی 400 هەزار"), article_id=7)
    assert rendition["published_display"] == "٢١ی کانوونی دووەمی ٢٠٢٠ ١٤:٠٥"
    assert rendition["headline"] == "پرۆژەی ٤٠٠ هەزار"


def test_zone_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNDICATE_TIMEZONE", "Europe/Istanbul")
    reset_settings()
    assert get_language("kmr").timezone == "Europe/Istanbul"
    assert localize(article(language="kmr"), article_id=1)["published_display"] == "21ê rêbendana 2020an 14:05"
    monkeypatch.setenv("SYNDICATE_TIMEZONE", "UTC")
    reset_settings()
    assert localize(article(language="kmr"), article_id=1)["published_display"] == "21ê rêbendana 2020an 11:05"


def test_cldr_december_is_spelt_like_january() -> None:
    december = datetime(2020, 12, 3, 9, 0, tzinfo=UTC)
    assert format_day(december, LANGUAGES["ckb"]) == "3ی کانوونی یەکەمی 2020"


def test_every_pattern_in_use_names_months_in_the_format_context() -> None:
    assert format_context("d LLLL y 'Lunch'") == "d MMMM y 'Lunch'"
    fake = replace(LANGUAGES["ar"], babel_locale="ar", date_format="d LLLL y")
    assert format_day(MOMENT, fake) == "21 يناير 2020"


def test_no_bidi_marks_in_arabic_dates() -> None:
    medium = replace(LANGUAGES["ar"], date_format="medium")  # CLDR puts RLM between its fields
    assert "\u200f" not in format_day(MOMENT, medium)


def test_opposite_direction_runs_are_isolated_in_html() -> None:
    assert isolate_html("هەولێر: Rudaw و Kurdistan24 ڕایگەیاند", "rtl") == (
        "هەولێر: <bdi>Rudaw</bdi> و <bdi>Kurdistan24</bdi> ڕایگەیاند"
    )
    # Edge punctuation stays outside; a bracket closed inside the run goes with it.
    assert isolate_html("کۆبوونەوەی KRG (Erbil), ئەمڕۆ", "rtl") == "کۆبوونەوەی <bdi>KRG (Erbil)</bdi>, ئەمڕۆ"
    assert isolate_html('Talks in "هەولێر" & <Duhok>', "ltr") == 'Talks in "<bdi>هەولێر</bdi>" &amp; &lt;Duhok&gt;'
    assert isolate_html("لە 2020 دا", "rtl") == "لە 2020 دا"  # numbers need no isolation


def test_native_digits_spare_latin_tokens() -> None:
    text = "F-16 لە 2020/01/21 و 1,234.5 و 70%ی https://x.iq/2020 COVID-19"
    assert localize_digits(text, "arab") == "F-16 لە ٢٠٢٠/٠١/٢١ و ١٬٢٣٤٫٥ و ٧٠٪ی https://x.iq/2020 COVID-19"
    assert localize_digits("2020", "arabext") == "۲۰۲۰"
    assert localize_digits("2020", "latn") == "2020"


def test_rendition_of_a_sorani_article() -> None:
    doc = article(
        language="ckb",
        headline="هەولێر: Rudaw و 400 هەزار",
        standfirst=None,
        body_html="<p>ئاو بۆ 400 هەزار</p>",
        dateline="ERBIL, Kurdistan Region",
        section="kurdistan",
        tags=["Erbil", "ئاو", "Semalka crossing"],
    )
    rend = localize(doc, article_id=88)
    assert rend["language"] == "ckb" and rend["dir"] == "rtl"
    assert rend["headline"] == rend["title"] == "هەولێر: Rudaw و 400 هەزار"  # plain text stays plain
    assert rend["headline_html"] == "هەولێر: <bdi>Rudaw</bdi> و 400 هەزار"
    assert rend["body_html"] == '<div lang="ckb" dir="rtl"><p>ئاو بۆ 400 هەزار</p></div>'
    assert rend["summary_html"] == '<div lang="ckb" dir="rtl"><p>ئاو بۆ 400 هەزار</p></div>'
    assert rend["dateline"] == "هەولێر، هەرێمی کوردستان"
    assert rend["section_label"] == "کوردستان"
    assert rend["tags_display"] == ["هەولێر", "ئاو", "دەروازەی سێمالکا"]
    assert rend["slug"] == "هەولێر-rudaw-و-400-هەزار"
    assert rend["path"] == "/ckb/kurdistan/88/هەولێر-rudaw-و-400-هەزار"


def test_section_labels_come_from_catalogs_then_the_glossary() -> None:
    assert section_label("politics", LANGUAGES["ar"]) == "سياسة"
    assert section_label("syria", LANGUAGES["kmr"]) == "Sûriye"
    assert section_label("rojava", LANGUAGES["ckb"]) == "ڕۆژئاوا"  # not a catalog section: glossary term
    assert section_label("science-and-tech", LANGUAGES["en"]) == "Science And Tech"


def test_an_english_dateline_keeps_the_editors_capitals() -> None:
    rend = localize(article(dateline="ERBIL, Kurdistan Region"), article_id=1)
    assert rend["dateline"] == "ERBIL, Kurdistan Region"
    # An alias in the article's own language is the editor's choice; another language's name is not.
    assert localize(article(dateline="Arbil"), article_id=1)["dateline"] == "Arbil"
    assert localize(article(dateline="أربيل"), article_id=1)["dateline"] == "Erbil"
