"""The language registry: the single source of truth about each language.

Adding a language is one entry in ``_ENTRIES`` plus a catalog under
``locales/``: normalisation picks its rules from ``orthography``, localization
its dates from ``babel_locale``, every output its tag from :meth:`Language.tag`,
and the glossary falls back to English names where it has none.

Outputs disagree about tags: the W3C Feed Validator only knows ISO 639-1/2
primary subtags, so RSS and Atom carry ``ku-Arab``/``ku-Latn``, while ninjs,
NewsML-G2, JSON Feed, sitemaps and HTML take the BCP 47 ``ckb``/``kmr``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from syndicate.languages.script import DigitStyle

Direction = Literal["ltr", "rtl"]
Output = Literal["public", "feed", "rss", "atom", "ninjs", "newsml", "sitemap", "jsonfeed", "html"]
# Rule sets of syndicate.languages.normalize; "latin" and "arabic-script" are the generic ones.
Orthography = Literal["sorani", "arabic", "kurmanji", "latin", "arabic-script"]

# Outputs whose checkers accept only ISO 639-1/639-2 primary subtags.
FEED_OUTPUTS: frozenset[str] = frozenset({"feed", "rss", "atom"})


@dataclass(frozen=True)
class Language:
    """What syndicate knows about one publishing language."""

    code: str  # public code: URLs, API, article.language
    native_name: str
    english_name: str  # also the catalog msgid of the language's name
    script: str  # ISO 15924
    direction: Direction
    babel_locale: str  # Babel/CLDR locale used for dates and numbers
    catalog: str  # gettext catalog folder under locales/
    feed_tag: str  # RSS <language>, xml:lang: must pass the W3C Feed Validator's ISO 639 table
    bcp47: str  # ninjs, NewsML-G2, JSON Feed, sitemap, HTML lang
    orthography: Orthography = "latin"
    # Editorial choice, not CLDR's default: see settings.digits. "arab" = ٠١٢, "arabext" = ۰۱۲.
    digits: DigitStyle = "latn"
    timezone: str = "Asia/Baghdad"
    # "native" slugs keep the script (ckb, ar); "latin" slugs are ASCII-folded Latin.
    slug_style: Literal["native", "latin"] = "latin"
    comma: str = ","  # joins the parts of a dateline
    # CLDR format names or patterns. Month names must use MMMM (format context), never
    # LLLL: stand-alone names leak across locales in long-lived processes (python-babel #1234).
    date_format: str = "long"
    time_format: str = "HH:mm"
    datetime_format: str = "medium"  # CLDR glue between date and time, e.g. "{1}، {0}"
    # Corrections to CLDR output that readers would see as misspellings.
    cldr_fixes: tuple[tuple[str, str], ...] = ()

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    def tag(self, output: Output) -> str:
        """The language tag to write into a given output format."""
        return self.feed_tag if output in FEED_OUTPUTS else self.bcp47


_ENTRIES = (
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
        orthography="sorani",
        # CLDR defaults ckb to ٠١٢, but Kurdish outlets write Latin digits; editors may switch.
        digits="latn",
        slug_style="native",
        comma="،",
        # CLDR 47 spells December with one و but January with two; Sorani writes both with two.
        cldr_fixes=(("کانونی یەکەم", "کانوونی یەکەم"),),
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
        orthography="kurmanji",
    ),
    Language(
        code="ar",
        native_name="العربية",
        english_name="Arabic",
        script="Arab",
        direction="rtl",
        # ar_IQ gives the Iraqi month names (كانون الثاني) readers here expect; ar gives يناير.
        babel_locale="ar_IQ",
        catalog="ar",
        feed_tag="ar",
        bcp47="ar",
        orthography="arabic",
        digits="latn",
        slug_style="native",
        comma="،",
    ),
)

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _ENTRIES}


def language_codes() -> tuple[str, ...]:
    return tuple(LANGUAGES)


def get_language(code: str) -> Language:
    """Look a language up by public code, with editorial settings applied.

    Raises ``KeyError`` for unknown codes. ``settings.digits`` overrides the
    digit style per language and ``settings.timezone`` the zone of every language.
    """
    lang = LANGUAGES[code]
    from syndicate.settings import get_settings  # late: the registry must import without reading settings

    settings = get_settings()
    style = settings.digits.get(code)
    if style and style != lang.digits:
        lang = replace(lang, digits=style)
    if settings.timezone != lang.timezone:
        lang = replace(lang, timezone=settings.timezone)
    return lang


def by_tag(tag: str) -> Language | None:
    """The language a public code or any of its output tags names (``ku-Arab`` → ckb)."""
    wanted = tag.replace("_", "-").lower()
    for lang in LANGUAGES.values():
        if wanted in (lang.code.lower(), lang.bcp47.lower(), lang.feed_tag.lower()):
            return lang
    return None
