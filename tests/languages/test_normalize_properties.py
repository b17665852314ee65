"""Properties of the normaliser: idempotent on any Unicode; Latin runs and numbers survive."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from syndicate.languages.normalize import normalize
from syndicate.languages.registry import LANGUAGES

KINDS = ("text", "title", "key")
# Characters the rules act on, so that random text meets them often.
TRICKY = list(
    "\u200c\u200d\u200b\u200e\u200f\u061c\u202b\u202c\u2066\u2069\ufeff\u00ad\u0640"
    "هەةكڪيىیھڒرکئأإآؤوۆلڵ \u0654\u0655\u065a\u064b\u064e\u0651\u0670"
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹0123456789٫٬٪.,%"
    "AbIiıİșȘéê\u0300\u0302\u0307\u0326"
    "\ufefb\ufef7\ufb8e\ufb8f\ufead\ufdfa\ufdf2\ufe70\ufc5e"
)
arabic_heavy = st.text(
    alphabet=st.one_of(
        st.sampled_from(TRICKY),
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFEFF),
    ),
    max_size=40,
)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", sorted(LANGUAGES))
@PROPERTY
# Counterexamples found by fuzzing: a run of ZWJ, harakat between a digit and its separator.
@example(text="هەولێر\u200d\u200d سلێمانی")
@example(text="\u200d\u200d\u200dسلێمانی")
@example(text="0ً٫0")
@example(text="1ـ٬ً000")
@example(text="  I\u0618\u0307")
@given(text=st.one_of(st.text(), arabic_heavy))
def test_normalisation_is_idempotent(language: str, kind: str, text: str) -> None:
    once = normalize(text, language, kind)  # type: ignore[arg-type]
    assert normalize(once, language, kind) == once  # type: ignore[arg-type]


latin_words = st.from_regex(r"[A-Z][a-z]{0,9}(-?[0-9]{1,3})?", fullmatch=True)
numbers = st.integers(min_value=0, max_value=10**9)
digit_sets = st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"])
_SPACE = re.compile(r"\s")


@pytest.mark.parametrize("kind", ("text", "title"))
@pytest.mark.parametrize("language", ["ckb", "ar"])
@PROPERTY
@given(before=arabic_heavy, latin=latin_words, number=numbers, digits=digit_sets, after=arabic_heavy)
def test_latin_runs_and_numbers_inside_arabic_script_survive(
    language: str, kind: str, before: str, latin: str, number: int, digits: str, after: str
) -> None:
    written = str(number).translate(str.maketrans("0123456789", digits))
    out = normalize(f"{before} {latin} {written} {after}", language, kind)  # type: ignore[arg-type]
    tokens = _SPACE.split(out)
    assert latin in tokens
    assert str(number) in tokens  # one canonical digit form: ASCII, same value


@PROPERTY
@given(words=st.lists(latin_words, min_size=1, max_size=6))
def test_latin_text_is_unchanged_in_every_language(words: list[str]) -> None:
    text = " ".join(words)
    for language in LANGUAGES:
        assert normalize(text, language, "title") == text
