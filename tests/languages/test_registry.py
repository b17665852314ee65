"""The language registry: tags per output, Babel locales, direction, digits, zone."""

from __future__ import annotations

import re

import pytest
from babel import Locale, localedata

from syndicate.languages.registry import LANGUAGES, by_tag, get_language

# RFC 5646 shape: language (2-3 letters) and optional script/region subtags.
BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


def test_the_four_languages() -> None:
    assert list(LANGUAGES) == ["en", "ckb", "kmr", "ar"]


@pytest.mark.parametrize(
    ("code", "feed", "bcp47", "babel", "direction"),
    [
        ("en", "en", "en", "en", "ltr"),
        ("ckb", "ku-Arab", "ckb", "ckb", "rtl"),
        ("kmr", "ku-Latn", "kmr", "ku", "ltr"),
        ("ar", "ar", "ar", "ar_IQ", "rtl"),
    ],
)
def test_tags_per_output(code: str, feed: str, bcp47: str, babel: str, direction: str) -> None:
    lang = LANGUAGES[code]
    assert lang.tag("feed") == lang.tag("rss") == lang.tag("atom") == feed
    for output in ("ninjs", "newsml", "jsonfeed", "sitemap", "html", "public"):
        assert lang.tag(output) == bcp47  # type: ignore[arg-type]
    assert lang.babel_locale == babel and lang.direction == direction


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_entries_agree_with_babel_and_the_validators(code: str) -> None:
    lang = LANGUAGES[code]
    # Babel must really have the locale: Locale.parse('kmr') would silently give ku_TR.
    assert localedata.exists(lang.babel_locale)
    assert Locale.parse(lang.babel_locale).text_direction == lang.direction
    # The W3C Feed Validator accepts only ISO 639-1/639-2 primary subtags (2 letters here).
    assert re.match(r"^[a-z]{2}(-|$)", lang.feed_tag)
    assert BCP47.match(lang.bcp47) and BCP47.match(lang.feed_tag)
    assert lang.timezone == "Asia/Baghdad"
    assert lang.slug_style == ("native" if lang.script == "Arab" else "latin")


def test_kurmanji_uses_the_ku_locale_and_catalog() -> None:
    assert not localedata.exists("kmr")
    assert LANGUAGES["kmr"].babel_locale == "ku" and LANGUAGES["kmr"].catalog == "ku"


def test_digits_default_to_latin_where_kurdish_outlets_use_them() -> None:
    # CLDR says arab for ckb and ar_IQ; the editorial default is Latin.
    assert Locale.parse("ckb").default_numbering_system == "arab"
    assert get_language("ckb").digits == "latn" and get_language("ar").digits == "latn"


def test_lookup_by_any_tag() -> None:
    assert by_tag("ku-Arab") is LANGUAGES["ckb"]
    assert by_tag("ku_latn") is LANGUAGES["kmr"]
    assert by_tag("ckb") is LANGUAGES["ckb"]
    assert by_tag("fr") is None
    with pytest.raises(KeyError):
        get_language("ku")
