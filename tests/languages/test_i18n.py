"""gettext catalogs: complete in every language, plural rules equal to CLDR, real translations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from syndicate.languages import catalogs, i18n
from syndicate.languages.i18n import gettext, language_name, ngettext
from syndicate.languages.normalize import normalize
from syndicate.languages.registry import LANGUAGES

REQUIRED = [
    "{outlet}", "Latest stories from {outlet} in {language}", "{outlet}: {section}", "{outlet}: stories tagged {tag}",
    "{outlet}: stories by {author}", "Archive of {title}: {count}", "Photo: {credit}", "Correction",
    "Correction: {note}", "Updated", "Updated {date}", "Machine translation",
    "Machine-translated from {language}; not yet reviewed by an editor", "Translated from {language}",
    "This story was withdrawn.", ("{n} story", "{n} stories"), "English", "Kurdish (Sorani)", "Kurdish (Kurmanji)",
    "Arabic", "Kurdistan", "Iraq", "Syria", "World", "Politics", "Economy", "Culture", "Sport", "Opinion",
]  # fmt: skip


@pytest.fixture(scope="module")
def template():  # type: ignore[no-untyped-def]
    return catalogs.current_template()


def test_the_template_is_current_and_has_every_shared_msgid(template) -> None:  # type: ignore[no-untyped-def]
    ids = catalogs.msgids(template)
    assert ids == catalogs.msgids(catalogs.read_template()), "run `syndicate i18n update`"
    assert set(map(lambda m: m if isinstance(m, str) else tuple(m), REQUIRED)) <= ids


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_message_is_translated_in_every_catalog(code: str, template) -> None:  # type: ignore[no-untyped-def]
    report = catalogs.check_catalog(code, template)
    assert report.problems == (), "\n".join(map(str, report.problems))


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_plural_rules_equal_cldr_for_0_to_200(code: str) -> None:
    lang = LANGUAGES[code]
    catalog = i18n.read_catalog(lang.catalog)
    assert catalogs.plural_mismatches(catalog, lang.babel_locale, upto=200) == []
    # And at run time, through the catalog compiled in memory:
    forms = [ngettext(code, "{n} story", "{n} stories", n) for n in range(201)]
    expected = [
        catalog.get(("{n} story", "{n} stories")).string[catalogs.plural_index_cldr(lang.babel_locale, n)]
        for n in range(201)
    ]
    assert forms == expected


def test_arabic_has_six_forms_with_11_many_and_100_other() -> None:
    assert i18n.read_catalog("ar").num_plurals == 6
    assert ngettext("ar", "{n} story", "{n} stories", 11).format(n=11) == "11 خبرًا"
    assert ngettext("ar", "{n} story", "{n} stories", 100).format(n=100) == "100 خبر"
    assert ngettext("ar", "{n} story", "{n} stories", 103).format(n=103) == "103 أخبار"
    assert ngettext("ar", "{n} story", "{n} stories", 2) == "خبران"


def test_the_check_fails_on_a_missing_translation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, copy)
    po = copy / "ckb" / "LC_MESSAGES" / "syndicate.po"
    po.write_text(po.read_text("utf-8").replace('msgstr "ڕاستکردنەوە"', 'msgstr ""'), "utf-8")
    ar = copy / "ar" / "LC_MESSAGES" / "syndicate.po"
    # Babel's own rule for Arabic (python-babel #816): forms 4 and 5 swapped.
    ar.write_text(ar.read_text("utf-8").replace("n%100>=11 ? 4 : 5", "n%100>=0 && n%100<=2 ? 4 : 5"), "utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", copy)
    problems = {r.language: [str(p) for p in r.problems] for r in catalogs.check(template)}
    assert problems["ckb"] == ["locales/ckb: 'Correction': not translated"]
    assert len(problems["ar"]) == 1 and "Plural-Forms differs from CLDR for n=[11, 12, 13" in problems["ar"][0]
    assert problems["en"] == problems["kmr"] == []


LATIN = re.compile(r"[A-Za-z]")


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@pytest.mark.parametrize("code", ["ckb", "ar"])
def test_arabic_script_catalogs_are_real_translations_in_their_own_orthography(code: str) -> None:
    for msg in i18n.read_catalog(LANGUAGES[code].catalog):
        if not msg.id:
            continue
        for text in _strings(msg.string):
            words = re.sub(r"\{\w+\}", "", text)
            assert normalize(text, code) == text, f"{text!r} is not in {code} orthography"
            if words.strip(": "):
                assert not LATIN.search(words), f"English left in {text!r}"
    sorani = " ".join(m.string for m in i18n.read_catalog("ckb") if isinstance(m.string, str))
    assert not set("كيىة") & set(sorani) and set("ەێۆڕی") <= set(sorani)


def test_kurmanji_catalog_is_kurmanji() -> None:
    same_in_english = {"{outlet}", "{outlet}: {section}", "Kurdistan", "Iraq"}
    for msg in i18n.read_catalog("ku"):
        if msg.id and msg.id not in same_in_english:
            assert msg.string != msg.id, f"{msg.id!r} copied, not translated"
    assert gettext("kmr", "This story was withdrawn.") == "Ev nûçe hate vekişandin."


def test_formatted_messages() -> None:
    assert gettext("ckb", "Photo: {credit}").format(credit="Rebaz Omar/AFP") == "وێنە: Rebaz Omar/AFP"
    lang = language_name("en", "ar")
    assert gettext("ar", "Translated from {language}").format(language=lang) == "مترجم عن الإنجليزية"
    assert (
        gettext("kmr", "Latest stories from {outlet} in {language}").format(
            outlet="Chira News", language=language_name("kmr", "kmr")
        )
        == "Nûçeyên herî dawî yên Chira News bi Kurdî (Kurmancî)"
    )


def test_language_names() -> None:
    assert [language_name(c, "ckb") for c in LANGUAGES] == ["ئینگلیزی", "کوردی (سۆرانی)", "کوردی (کرمانجی)", "عەرەبی"]
    assert language_name("ckb", "en") == "Kurdish (Sorani)"


def test_a_catalog_edit_is_picked_up_without_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, copy)
    monkeypatch.setattr(i18n, "LOCALES_DIR", copy)
    assert gettext("kmr", "Sport") == "Werziş"
    po = copy / "ku" / "LC_MESSAGES" / "syndicate.po"
    po.write_text(po.read_text("utf-8").replace('msgstr "Werziş"', 'msgstr "Spor"'), "utf-8")
    import os

    os.utime(po, (po.stat().st_atime, po.stat().st_mtime + 5))
    assert gettext("kmr", "Sport") == "Spor"
    assert not list(copy.rglob("*.mo"))  # compiled in memory only
