"""The glossary: validated on load, used for datelines and tags, offered as terminology."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from syndicate.errors import ValidationFailed
from syndicate.languages.glossary import DEFAULT_PATH, get_glossary, load_glossary, parse_glossary, term_pairs
from syndicate.languages.registry import LANGUAGES
from syndicate.settings import reset_settings


def _doc(*terms: dict) -> dict:
    return {"version": 1, "terms": list(terms)}


ERBIL = {"id": "erbil", "kind": "place", "names": {"en": "Erbil", "ckb": "هەولێر"}}


def test_the_built_in_glossary_is_valid_and_complete() -> None:
    glossary = load_glossary(DEFAULT_PATH)
    assert len(glossary.terms) >= 40
    for term in glossary.terms:
        assert set(term.names) == set(LANGUAGES), f"{term.id} lacks a name in some language"
    for required in ("erbil", "kurdistan-region", "sulaymaniyah", "duhok", "semalka-crossing", "qamishli"):
        assert glossary.get(required) is not None
    for required in ("hasakah", "sdf", "krg", "greater-zab"):
        assert glossary.get(required) is not None


@pytest.mark.parametrize(
    "text", ["Erbil", "ERBIL", "Arbil", "هەولێر", "هه\u200cولێر", "Hewlêr", "hewler", "أربيل", "اربيل"]
)
def test_any_spelling_finds_the_term(text: str) -> None:
    term = get_glossary().find(text)
    assert term is not None and term.id == "erbil"


def test_names_per_language() -> None:
    erbil = get_glossary().get("erbil")
    assert erbil is not None
    assert [erbil.name(c) for c in ("en", "ckb", "kmr", "ar")] == ["Erbil", "هەولێر", "Hewlêr", "أربيل"]
    assert erbil.name("fa") == "Erbil"  # no name there yet: English


def test_datelines_are_localized_part_by_part() -> None:
    g = get_glossary()
    assert g.localize_dateline("ERBIL, Kurdistan Region", "ckb", "،") == "هەولێر، هەرێمی کوردستان"
    assert g.localize_dateline("Erbil, Kurdistan Region", "kmr") == "Hewlêr, Herêma Kurdistanê"
    assert g.localize_dateline("Qamishli، Syria", "ar", "،") == "القامشلي، سوريا"
    assert g.localize_dateline("Ranya, Nowhere Town", "ckb", "،") == "ڕانیە، Nowhere Town"  # unknown parts stay


def test_terminology_for_a_language_pair() -> None:
    pairs = dict(term_pairs("en", "ckb"))
    assert pairs["Erbil"] == pairs["Arbil"] == "هەولێر"
    assert pairs["SDF"] == "هەسەدە"
    assert pairs["KRG"] == pairs["Kurdistan Regional Government"] == "حکومەتی هەرێمی کوردستان"
    assert pairs["Greater Zab"] == "زێی گەورە"
    reverse = dict(term_pairs("ar", "kmr"))
    assert reverse["أربيل"] == "Hewlêr" and reverse["الحسكة"] == "Hesekê"
    assert len(term_pairs("en", "ckb")) == len({s for s, _ in term_pairs("en", "ckb")})  # one entry per source


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (_doc(ERBIL, ERBIL), "terms.1.id", "duplicate id"),
        (_doc({**ERBIL, "names": {"ckb": "هەولێر"}}), "terms.0.names", "English name is required"),
        (_doc({**ERBIL, "names": {"en": "Erbil", "kur": "Hewlêr"}}), "terms.0.names.kur", "unknown language"),
        (_doc({**ERBIL, "names": {"en": "Erbil", "ckb": "هه\u200cولێر"}}), "terms.0.names.ckb", "not normalised"),
        (
            _doc(ERBIL, {"id": "arbil", "kind": "place", "names": {"en": "Arbil", "ckb": "هەولێر"}}),
            "terms.1.names.ckb",
            "also names term 'erbil'",
        ),
        (_doc({**ERBIL, "kind": "city"}), "terms.0.kind", "Input should be"),
        ({"terms": []}, "version", "Field required"),
    ],
)
def test_invalid_glossaries_are_refused_with_the_faulty_field(data: dict, field: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_glossary(data)
    assert any(p.field == field and message in p.message for p in info.value.problems), info.value.problems


def test_an_edited_glossary_is_picked_up_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "glossary.json"
    path.write_text(json.dumps(_doc(ERBIL)), "utf-8")
    monkeypatch.setenv("SYNDICATE_GLOSSARY_PATH", str(path))
    reset_settings()
    assert get_glossary().localize_name("Erbil", "ckb") == "هەولێر"
    edited = _doc({**ERBIL, "names": {**ERBIL["names"], "ckb": "شاری هەولێر"}})
    path.write_text(json.dumps(edited), "utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))  # a later edit, whatever the clock
    assert get_glossary().localize_name("Erbil", "ckb") == "شاری هەولێر"
    path.write_text("{not json", "utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    with pytest.raises(ValidationFailed, match="cannot read the glossary"):
        get_glossary()
