"""Language codes per backend, for all four languages, as they go over the wire.

Google: ckb = Sorani, ku = Kurmanji. Microsoft: ku = Sorani (Central
Kurdish), kmr = Kurmanji. LibreTranslate documents no Kurdish code at all.
CLDR/Babel: ku = Kurmanji. Swapping any of these sends Sorani readers
Kurmanji text (or the reverse), so each is checked in both directions.
"""

from __future__ import annotations

import pytest
from babel import Locale
from pytest_httpserver import HTTPServer

from syndicate.languages.registry import LANGUAGES
from syndicate.translation.backends.base import UnsupportedLanguage
from tests.translation.providers import PREFIXES, SIMULATORS, Provider
from tests.translation.test_backend_contract import Sleeps, make, segments

EXPECTED: dict[str, dict[str, str | None]] = {
    "google": {"en": "en", "ckb": "ckb", "kmr": "ku", "ar": "ar"},
    "microsoft": {"en": "en", "ckb": "ku", "kmr": "kmr", "ar": "ar"},
    "libretranslate": {"en": "en", "ckb": None, "kmr": None, "ar": "ar"},
}


def other(language: str) -> str:
    return "ar" if language == "en" else "en"


def sim(server: HTTPServer, name: str) -> Provider:
    return SIMULATORS[name](server, prefix=PREFIXES[name]).install()


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_provider_codes_on_the_wire(server: HTTPServer, name: str, language: str) -> None:
    provider = sim(server, name)
    backend = make(name, provider, Sleeps())
    expected = EXPECTED[name][language]
    if expected is None:
        assert not backend.supports(other(language), language)
        with pytest.raises(UnsupportedLanguage):
            backend.translate(other(language), language, segments()[:1])
        assert provider.requests == [], "an unsupported language must not reach the provider"
        return
    backend.translate(other(language), language, segments()[:1])
    backend.translate(language, other(language), segments()[:1])
    into, out_of = provider.requests
    assert into["target"] == expected, f"{name}: {language} as target"
    assert out_of["source"] == expected, f"{name}: {language} as source"


def test_sorani_and_kurmanji_never_share_a_code() -> None:
    for name, codes in EXPECTED.items():
        if codes["ckb"] is not None:
            assert codes["ckb"] != codes["kmr"], name
    assert EXPECTED["google"]["kmr"] == EXPECTED["microsoft"]["ckb"] == "ku", "the same code means two languages"


def test_libretranslate_serves_kurdish_only_when_an_instance_maps_it(server: HTTPServer) -> None:
    provider = sim(server, "libretranslate")
    backend = make("libretranslate", provider, Sleeps(), language_codes={"ckb": "ckb"})
    backend.translate("en", "ckb", segments()[:1])
    assert provider.requests[0]["target"] == "ckb"
    assert not backend.supports("en", "kmr")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_language_models_get_names_with_the_script(server: HTTPServer, language: str) -> None:
    provider = sim(server, "openai")
    backend = make("openai", provider, Sleeps())
    backend.translate(other(language), language, segments()[:1])
    backend.translate(language, other(language), segments()[:1])
    into, out_of = provider.requests
    expected = {
        "en": ["English"],
        "ckb": ["Central Kurdish (Sorani)", "Arabic script"],
        "kmr": ["Northern Kurdish (Kurmanji)", "Latin script"],
        "ar": ["Arabic"],
    }[language]
    for part in expected:
        assert part in into["target"] and part in out_of["source"]
    if language in ("ckb", "kmr"):
        wrong = "Kurmanji" if language == "ckb" else "Sorani"
        assert wrong not in into["target"]


def test_babel_ku_is_kurmanji_in_latin_script() -> None:
    """CLDR ``ku`` is Kurmanji: the registry uses it for kmr dates and numbers, never for Sorani."""
    assert LANGUAGES["kmr"].babel_locale == "ku" and LANGUAGES["ckb"].babel_locale == "ckb"
    kurmanji = Locale.parse("ku")
    assert kurmanji.text_direction == "ltr" and "kurmancî" in (kurmanji.get_display_name("ku") or "")
    assert Locale.parse("ckb").text_direction == "rtl"


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_memory_and_desk_use_our_own_codes(language: str) -> None:
    from syndicate.translation.backends import registry

    for name in ("memory", "human"):
        assert registry()[name].codes()[language] == language
