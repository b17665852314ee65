"""The language registry: the single source of truth about each language.

Adding a language is one entry here plus a catalog under ``locales/``. Every
output asks the registry for its tag instead of using the public code, because
each consumer accepts different tags (see ``Language.tag``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Direction = Literal["ltr", "rtl"]
Output = Literal["public", "feed", "ninjs", "newsml", "sitemap", "jsonfeed", "html"]


@dataclass(frozen=True)
class Language:
    """What syndicate knows about one publishing language."""

    code: str  # public code: URLs, API, article.language
    native_name: str
    english_name: str
    script: str  # ISO 15924
    direction: Direction
    babel_locale: str  # Babel/CLDR locale used for dates and numbers
    catalog: str  # gettext catalog folder under locales/
    feed_tag: str  # RSS <language>, xml:lang: must pass the W3C Feed Validator's ISO 639 table
    bcp47: str  # ninjs, NewsML-G2, JSON Feed, sitemap
    digits: Literal["latn", "arab"] = "latn"
    timezone: str = "Asia/Baghdad"
    # "native" slugs keep the script (ckb, ar); "latin" slugs are ASCII-folded Latin.
    slug_style: Literal["native", "latin"] = "latin"

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    def tag(self, output: Output) -> str:
        """The language tag to write into a given output format."""
        if output == "feed":
            return self.feed_tag
        return self.bcp47


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language(
            code="en",
            native_name="English",
            english_name="English",
            script="Latn",
            direction="ltr",
            babel_locale="en",
            catalog="en",
            feed_tag="en",
            bcp47="en",
        ),
        Language(
            code="ckb",
            native_name="کوردیی ناوەندی",
            english_name="Kurdish (Sorani)",
            script="Arab",
            direction="rtl",
            babel_locale="ckb",
            catalog="ckb",
            # The W3C validator's table predates ISO 639-3, so ckb is refused there.
            feed_tag="ku-Arab",
            bcp47="ckb",
            # Kurdish outlets write Latin digits in Sorani text; editors may switch.
            digits="latn",
            slug_style="native",
        ),
        Language(
            code="kmr",
            native_name="Kurmancî",
            english_name="Kurdish (Kurmanji)",
            script="Latn",
            direction="ltr",
            # Babel has no kmr: Locale.parse('kmr') silently gives ku_TR. CLDR ku is Kurmanji.
            babel_locale="ku",
            catalog="ku",
            feed_tag="ku-Latn",
            bcp47="kmr",
        ),
        Language(
            code="ar",
            native_name="العربية",
            english_name="Arabic",
            script="Arab",
            direction="rtl",
            # ar_IQ gives the Iraqi month names (كانون الثاني) readers here expect.
            babel_locale="ar_IQ",
            catalog="ar",
            feed_tag="ar",
            bcp47="ar",
            slug_style="native",
        ),
    )
}


def language_codes() -> tuple[str, ...]:
    return tuple(LANGUAGES)


def get_language(code: str) -> Language:
    """Look a language up by public code; raises ``KeyError`` for unknown ones."""
    lang = LANGUAGES[code]
    from syndicate.settings import get_settings  # late: the registry must import without settings

    settings = get_settings()
    style = settings.digits.get(code)
    if style and style != lang.digits:
        lang = replace(lang, digits=style)
    if settings.timezone != lang.timezone:
        lang = replace(lang, timezone=settings.timezone)
    return lang
