"""A long-lived worker localizing ar, ar_IQ, ckb, ku and en in any order gives the same month names.

Babel's stand-alone month names (LLLL) depend on the order in which a process
first used locales (python-babel #1234): after ``ar``, ``ar_IQ`` says يناير;
after ``he``, even ``ku`` says ינואר. Localization uses the format context only,
so the order must not matter. Each run is a fresh interpreter, as a worker is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import babel.dates
import pytest

from syndicate.languages.localize import format_day, format_when, localize
from syndicate.languages.registry import LANGUAGES
from tests.helpers import ROOT, example

SCRIPT = r"""
import json, random, sys
from dataclasses import replace
from datetime import datetime, timezone
from babel.dates import format_date
from syndicate.languages.localize import format_day, format_when
from syndicate.languages.registry import LANGUAGES

locales = {
    "ar": replace(LANGUAGES["ar"], babel_locale="ar"),
    "ar_IQ": LANGUAGES["ar"],
    "ckb": LANGUAGES["ckb"],
    "ku": LANGUAGES["kmr"],
    "en": LANGUAGES["en"],
}
poison = sys.argv[1]
if poison != "none":
    # What another library in the same worker might do: use stand-alone month names first.
    for name in poison.split(","):
        format_date(datetime(2020, 1, 1), "LLLL", locale=name)
seen = {}
rng = random.Random(int(sys.argv[2]))
for _ in range(20):
    for name in rng.sample(sorted(locales), k=len(locales)):
        for month in (1, 6, 12):
            moment = datetime(2020, month, 21, 11, 5, tzinfo=timezone.utc)
            text = format_day(moment, locales[name]) + " | " + format_when(moment, locales[name])
            seen.setdefault(f"{name}-{month}", set()).add(text)
print(json.dumps({k: sorted(v) for k, v in seen.items()}, ensure_ascii=False))
"""

EXPECTED_JANUARY = {
    "ar": "21 يناير 2020",
    "ar_IQ": "21 كانون الثاني 2020",
    "ckb": "21ی کانوونی دووەمی 2020",
    "ku": "21ê rêbendana 2020an",
    "en": "January 21, 2020",
}
EXPECTED_DECEMBER = {
    "ar": "21 ديسمبر 2020",
    "ar_IQ": "21 كانون الأول 2020",
    "ckb": "21ی کانوونی یەکەمی 2020",
    "ku": "21ê berfanbara 2020an",
    "en": "December 21, 2020",
}


def _run(poison: str, seed: int) -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, poison, str(seed)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_month_names_do_not_depend_on_the_order_locales_are_used() -> None:
    results = [_run("none", 1), _run("ar,he", 2), _run("he,ar,ckb,ku", 3)]
    for seen in results:
        for key, texts in seen.items():
            assert len(texts) == 1, f"{key} changed within one process: {texts}"
        for name, expected in EXPECTED_JANUARY.items():
            assert seen[f"{name}-1"][0].startswith(expected + " | " + expected)
        for name, expected in EXPECTED_DECEMBER.items():
            assert seen[f"{name}-12"][0].startswith(expected)
    assert results[0] == results[1] == results[2]


def _standalone_fields(pattern: str) -> list[str]:
    """Stand-alone month fields (L, LL, LLL, LLLL...) outside quoted literals, by Babel's own tokenizer."""
    fields = [value for kind, value in babel.dates.tokenize_pattern(pattern) if kind == "field"]
    return ["L" * n for char, n in fields if char == "L"]


@pytest.fixture
def babel_spy(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Every date pattern Babel parses, and every month-name table asked for, while the test runs.

    All of babel.dates' formatting functions (format_date, format_time,
    format_datetime, format_skeleton, format_interval) go through parse_pattern,
    named formats ("long") included, so nothing localization formats escapes.
    """
    seen: dict[str, list[Any]] = {"patterns": [], "month_contexts": []}
    parse, months = babel.dates.parse_pattern, babel.dates.get_month_names

    def parse_pattern(pattern: Any) -> Any:
        seen["patterns"].append(str(getattr(pattern, "pattern", pattern)))
        return parse(pattern)

    def get_month_names(width: str = "wide", context: str = "format", locale: Any = None) -> Any:
        seen["month_contexts"].append(context)
        return months(width, context, locale)

    monkeypatch.setattr(babel.dates, "parse_pattern", parse_pattern)
    monkeypatch.setattr(babel.dates, "get_month_names", get_month_names)
    return seen


def test_the_tokenizer_check_finds_stand_alone_months() -> None:
    assert _standalone_fields("d LLLL y") == ["LLLL"]
    assert _standalone_fields("d MMMM y") == []
    assert _standalone_fields("d 'LLLL' MMMM") == []  # quoted: literal text, not a field
    assert _standalone_fields("LLL d") == ["LLL"]


def test_localization_never_asks_babel_for_stand_alone_months(babel_spy: dict[str, list[Any]]) -> None:
    """Whatever the registry or CLDR say, no pattern Babel sees has an unquoted L (python-babel #1234)."""
    moment = datetime(2020, 12, 21, 11, 5, tzinfo=UTC)
    languages = [*LANGUAGES.values(), replace(LANGUAGES["ar"], babel_locale="ar")]
    for lang in languages:
        format_when(moment, lang)
        format_day(moment, lang)
    for code in LANGUAGES:
        localize({**example(f"cn-88412.{code}.json"), "updated_at": "2020-12-21T14:05:00+03:00"}, article_id=1)
    patterns = babel_spy["patterns"]
    offending = {p: _standalone_fields(p) for p in patterns if _standalone_fields(p)}
    assert offending == {}
    assert len(patterns) >= 2 * 2 * len(languages)  # the spy sees a date and a time per call, at least
    assert any("MMMM" in p for p in patterns)
    assert "stand-alone" not in babel_spy["month_contexts"]
