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

from tests.helpers import ROOT

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
