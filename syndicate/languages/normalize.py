"""Orthographic normalisation per language (pure functions).

``kind`` says what the text is: ``text`` (body, captions), ``title``
(headlines, names, datelines: zero-width and bidi controls removed, spaces
collapsed; direction belongs in markup) or ``key`` (slugs and search keys:
case-folded, Latin diacritics and, for Arabic, hamza seats, ة and ى folded).

Every language gets NFC, Arabic presentation forms (U+FB50–FDFF, U+FE70–FEFE)
folded through NFKC one character at a time (NFKC on the whole text would also
fold ² and friends), and one canonical digit form: ASCII. Localization writes
digits in the editorial style of each language when it renders.

The rules are written here rather than taken from klpt or asosoft. klpt is
CC BY-SA 4.0 (code and data), does not install on Python 3.13+ or Alpine, and
its ``standardize`` rewrites spellings and proper nouns. asosoft (MIT) turns
شاه into شاە (no exception list), leaves ة alone and applies spelling reforms
such as ووڵات → وڵات, which are an editor's call. Neither repairs a bare medial
ه, and the rules both share with Lucene's SoraniNormalizer are a dozen
mappings, which are easier to keep idempotent (a property test checks it) here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Literal

from syndicate.languages.registry import LANGUAGES
from syndicate.languages.script import (
    ARABIC_LETTER_CLASS,
    ARABIC_WORD,
    HARAKAT,
    TATWEEL,
    ZWJ,
    ZWNJ,
    ascii_digits,
    map_html_text,
)

Kind = Literal["text", "title", "key"]

# U+FEFF is in the presentation block but is a byte-order mark; it is dropped instead.
_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")
# Zero-width and bidi controls: never in titles and keys (direction belongs in markup).
_INVISIBLE = re.compile("[\u200b\ufeff\u00ad\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_HARAKAT = re.compile(f"[{HARAKAT}]")
# A ZWJ only joins letters; next to Arabic letters it is noise, elsewhere (emoji) it is not.
# A whole run goes at once: removing one ZWJ of a run would bring the next one to the letter.
_ZWJ_ARABIC = re.compile(f"(?<={ARABIC_LETTER_CLASS}){ZWJ}+|{ZWJ}+(?={ARABIC_LETTER_CLASS})")
_LATIN_MARKS = re.compile("[\u0300-\u036f]")

# --- Sorani -------------------------------------------------------------------------------------

_SORANI_LETTERS = str.maketrans(
    {"ك": "ک", "ڪ": "ک", "ي": "ی", "ى": "ی", "ھ": "ه", "ڒ": "ڕ", "ة": "ە"}
)  # fmt: skip
# A yeh carrying a separate hamza (no precomposed form for ی + ٔ) is the Sorani ئ.
_YEH_HAMZA = re.compile("[یيى][\u064b-\u0653\u0655-\u065f\u0670]*\u0654")
# Legacy fonts wrote ێ ڵ ڕ ۆ as a base letter plus U+065A (small v above).
_SMALL_V = re.compile("([یيىلرو])[\u064b-\u0659\u065b-\u065f\u0670]*\u065a")
_SMALL_V_LETTERS = {"ی": "ێ", "ي": "ێ", "ى": "ێ", "ل": "ڵ", "ر": "ڕ", "و": "ۆ"}
# Word-final ه is the vowel ە except in these words (and after ا: شاه, گوناه, پادشاه, ماه)
# and in names ending in الله (عبدالله, نصرالله, حزبالله once the ZWNJ is gone).
SORANI_FINAL_HEH_WORDS = frozenset({"شاه", "پادشاه", "گوناه", "الله", "فیقه", "فەقیه"})
_ALLAH = "الله"
_SORANI_VOWELS = "اەێیوۆ"
# A ه inside a word, followed by a consonant, in a word without any ە: ە written the old way.
_BARE_MEDIAL_HEH = re.compile("(?<=.)ه(?=[^" + _SORANI_VOWELS + "])")


def _sorani_word(match: re.Match[str]) -> str:
    word = match.group()
    if word[0] == "ر":
        word = "ڕ" + word[1:]  # a Sorani word never starts with a flap r
    keep = word in SORANI_FINAL_HEH_WORDS or word.endswith(_ALLAH)
    if len(word) > 1 and word[-1] == "ه" and word[-2] != "ا" and not keep:
        word = word[:-1] + "ە"
    return word


def _sorani(text: str) -> str:
    text = _YEH_HAMZA.sub("ئ", text)
    text = _SMALL_V.sub(lambda m: _SMALL_V_LETTERS[m.group(1)], text)
    text = text.translate(_SORANI_LETTERS)
    text = _HARAKAT.sub("", text.replace(TATWEEL, ""))
    text = text.replace("ه" + ZWNJ, "ە").replace(ZWNJ, "")
    text = _ZWJ_ARABIC.sub("", text)
    return ARABIC_WORD.sub(_sorani_word, text)


def _sorani_warnings(text: str) -> list[str]:
    out = []
    for word in ARABIC_WORD.findall(text):
        if "ە" not in word and _BARE_MEDIAL_HEH.search(word):
            out.append(f"{word}: a bare ه inside the word may be ە written the old way; check the spelling")
    return out


# --- Arabic -------------------------------------------------------------------------------------

_ARABIC_LETTERS = str.maketrans({"ک": "ك", "ڪ": "ك", "ھ": "ه"})
# Words that end in alef maksura: a Persian-keyboard final ی becomes ى in these, ي elsewhere.
_MAKSURA = """
على إلى الى حتى متى لدى سوى مدى أدنى ادنى أعلى اعلى أقصى اقصى مستوى مستشفى معنى مبنى ملتقى منتدى
مصطفى موسى عيسى يحيى ليلى سلمى هدى منى بشرى كبرى صغرى أخرى اخرى أولى اولى ذكرى فتوى دعوى شكوى جدوى
مأوى قرى رؤى أسمى مسمى مرمى مجرى مقهى ملهى مرسى منحنى أدى جرى رأى سعى أعطى ألغى أبقى انتهى اشترى
تلقى أمضى مضى بنى تبنى أبدى أجرى أرسى أفضى ألقى أنهى تولى
"""
ALEF_MAKSURA_WORDS = frozenset(_MAKSURA.split())
_PROCLITICS = ("و", "ف", "ب", "ل", "ك", "ال", "وال", "فال", "بال", "لل", "كال")
_ARABIC_KEY = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})
_KURDISH_ONLY = "ەێۆڕڵ"


def _is_maksura(word: str) -> bool:
    candidate = word[:-1] + "ى"
    return candidate in ALEF_MAKSURA_WORDS or any(
        candidate.startswith(p) and candidate[len(p) :] in ALEF_MAKSURA_WORDS for p in _PROCLITICS
    )


def _arabic_word(match: re.Match[str]) -> str:
    word = match.group()
    if "ی" not in word:
        return word
    stem = word[:-1].replace("ی", "ي")
    if word[-1] != "ی":
        return stem + word[-1]
    return stem + ("ى" if _is_maksura(stem + "ی") else "ي")


def _arabic(text: str) -> str:
    text = text.translate(_ARABIC_LETTERS).replace(TATWEEL, "").replace(ZWNJ, "")
    text = _ZWJ_ARABIC.sub("", text)
    return ARABIC_WORD.sub(_arabic_word, text) if "ی" in text else text


def _arabic_key(text: str) -> str:
    return _HARAKAT.sub("", text).translate(_ARABIC_KEY)


def _arabic_warnings(text: str) -> list[str]:
    out = []
    for word in ARABIC_WORD.findall(text):
        letters = "".join(sorted({ch for ch in word if ch in _KURDISH_ONLY}))
        if letters:
            out.append(f"{word}: Kurdish letter {letters} in Arabic text; check the spelling")
    return out


# --- Kurmanji and the generic rule sets ---------------------------------------------------------

# Turkish keyboards give dotless ı and dotted İ; Romanian fonts give ș with a comma below.
_KURMANJI_LETTERS = str.maketrans({"ı": "i", "İ": "I", "ș": "ş", "Ș": "Ş"})


def _undot_capital_i(text: str) -> str:
    """Drop every dot above (U+0307) among the combining marks that follow a capital I.

    NFC recomposes I + U+0307 into the Turkish İ across any marks between them
    of a lower combining class (an Arabic small fatha, ccc 30, does not block it).
    """
    if "I" not in text or "\u0307" not in text:
        return text
    out = []
    after_i = False
    for ch in text:
        if ch == "\u0307" and after_i:
            continue
        after_i = ch == "I" or (after_i and unicodedata.combining(ch) != 0)
        out.append(ch)
    return "".join(out)


def _kurmanji(text: str) -> str:
    return _undot_capital_i(unicodedata.normalize("NFD", text.translate(_KURMANJI_LETTERS)))


def _arabic_script(text: str) -> str:
    # Generic: ZWNJ stays (Persian needs it); tatweel is only ever padding.
    return _ZWJ_ARABIC.sub("", text.replace(TATWEEL, ""))


def _same(text: str) -> str:
    return text


def _none(text: str) -> list[str]:
    return []


Rule = Callable[[str], str]
# orthography -> (text rules, extra key fold, warnings)
RULES: dict[str, tuple[Rule, Rule, Callable[[str], list[str]]]] = {
    "sorani": (_sorani, _same, _sorani_warnings),
    "arabic": (_arabic, _arabic_key, _arabic_warnings),
    "kurmanji": (_kurmanji, _same, _none),
    "latin": (_same, _same, _none),
    "arabic-script": (_arabic_script, lambda t: _HARAKAT.sub("", t), _none),
}


def orthography(language: str) -> str:
    lang = LANGUAGES.get(language)
    return lang.orthography if lang else "latin"


def _fold_presentation(text: str) -> str:
    return _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def normalize(text: str, language: str, kind: Kind = "text") -> str:
    """Canonical form of ``text`` written in ``language`` (idempotent)."""
    rules, key_fold, _ = RULES[orthography(language)]
    text = _fold_presentation(unicodedata.normalize("NFC", text)).replace("\ufeff", "")
    if kind != "text":
        text = _INVISIBLE.sub("", text)
    if kind == "key":
        # Every removal happens before the word rules: a mark or a format character taken
        # out afterwards would join two pieces into a new word the rules never saw (a
        # second pass would then change it, and keys must be idempotent).
        text = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", text.casefold()))
        text = "".join(ch for ch in text if ch == ZWNJ or unicodedata.category(ch) != "Cf")
    # Again: folding and removals bring new neighbours together (ZWSP between I and U+0307).
    text = rules(unicodedata.normalize("NFC", text))
    if kind == "key":
        # Only ZWNJ can be left here, and only by the generic rules, which act per character.
        text = key_fold(text).replace(ZWNJ, "")
    # Digits last: the rules and the key fold remove marks and tatweel that sat between a
    # digit and a separator (0ً٫0), and the separator must then become ASCII in this pass.
    text = ascii_digits(text)
    if kind != "text":
        text = _SPACES.sub(" ", text).strip()
    return unicodedata.normalize("NFC", text)


def normalize_html(html: str, language: str) -> str:
    """Normalise the text of sanitised HTML; tags and attribute values (URLs) stay as they are."""
    return map_html_text(html, lambda part: normalize(part, language, "text"))


def warnings(text: str, language: str) -> list[str]:
    """Words the normaliser cannot fix safely, reported to editors (each once, in order)."""
    found = RULES[orthography(language)][2](normalize(text, language, "title"))
    return list(dict.fromkeys(found))
