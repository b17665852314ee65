"""The normaliser on real-world messy text: each case gives the canonical form."""

from __future__ import annotations

import pytest

from syndicate.languages.normalize import normalize, normalize_html, warnings

# (language, kind, messy input, canonical output)
CASES = [
    # Sorani: legacy heh + ZWNJ for ە and Arabic kaf, as on older KRG pages.
    ("ckb", "text", "هه\u200cولێر، هه\u200cرێمی كوردستان", "هەولێر، هەرێمی کوردستان"),
    # Arabic kaf and yeh (ي, ى) typed on an Arabic keyboard.
    ("ckb", "text", "سەرۆكی حكومەتی هەرێم لە كۆبوونەوەيەكدا", "سەرۆکی حکومەتی هەرێم لە کۆبوونەوەیەکدا"),
    ("ckb", "text", "كوردستانى", "کوردستانی"),
    # Tatweel padding, Arabic-Indic and Persian digits, plain ر at the start of a word.
    ("ckb", "text", "لە ســـاڵەکانی ١٩٥٠دا راستە لە ووڵاتەی ۲۳هەمدا", "لە ساڵەکانی 1950دا ڕاستە لە ووڵاتەی 23هەمدا"),
    # Kurdistan24's "11ـی" becomes Babel's "11ی".
    ("ckb", "text", "11ـی کانوونی دووەمی 2025", "11ی کانوونی دووەمی 2025"),
    # ة and a word-final ه are the vowel ە; شاه and گوناه keep their consonant h.
    ("ckb", "text", "مەدرەسة و ناوچه و شاه و گوناه", "مەدرەسە و ناوچە و شاه و گوناه"),
    # ھ (heh doachashmee) is the consonant h; ڒ becomes ڕ.
    ("ckb", "text", "ھەولێر و ڒێگا", "هەولێر و ڕێگا"),
    # Presentation forms from a PDF (lam-alef ligature, keheh, reh, dal forms).
    ("ckb", "text", "\ufefb \ufb8f\ufeee\ufead\ufea9", "لا کورد"),
    # Legacy font: yeh + small v above for ێ; yeh + separate hamza for ئ.
    ("ckb", "text", "ی\u065aک ی\u0654ەو", "ێک ئەو"),
    # Stray ZWNJ after a modern ە; bidi marks stay in body text but leave titles.
    ("ckb", "text", "هەولێر\u200c و \u200fسلێمانی", "هەولێر و \u200fسلێمانی"),
    ("ckb", "title", "\u202bهەولێر\u202c: \u200fسلێمانی\u200b", "هەولێر: سلێمانی"),
    # Latin names and numbers inside Sorani are untouched.
    ("ckb", "text", "Rudaw و Kurdistan24 لە 2020 دا", "Rudaw و Kurdistan24 لە 2020 دا"),
    # Mixed digit sets in one number, Arabic separators and percent sign.
    ("ckb", "text", "۲٠٢۰ و ١٬٢٣٤٫٥ و ٧٠٪", "2020 و 1,234.5 و 70%"),
    # Arabic: tatweel and ZWNJ out, hamza seats, ة and ى kept for display.
    ("ar", "text", "أعلنـــت الحكومة\u200c العراقية إلى", "أعلنت الحكومة العراقية إلى"),
    # Persian/Kurdish keyboard: ک → ك, ی → ي, and final ی → ى in words that end in alef maksura.
    ("ar", "text", "کرکوک فی علی المستشفی وعلی", "كركوك في على المستشفى وعلى"),
    ("ar", "text", "ھذا", "هذا"),
    # Tashkeel the editors added stays in display text, goes from search keys.
    ("ar", "text", "أَعْلَنَتْ", "أَعْلَنَتْ"),
    ("ar", "key", "أَعْلَنَتْ الحكومةُ إلى آمنة", "اعلنت الحكومه الي امنه"),
    ("ar", "text", "٢٠٢٠ و۲۰۲۰", "2020 و2020"),
    # Kurmanji: Turkish dotless ı and dotted İ, Romanian ș; ê î û ç ş kept.
    ("kmr", "text", "Dıyarbekır û İstanbul", "Diyarbekir û Istanbul"),
    ("kmr", "text", "Hewlêr, Herêma Kurdistanê: çem û şêst", "Hewlêr, Herêma Kurdistanê: çem û şêst"),
    ("kmr", "text", "Qamișlo", "Qamişlo"),
    ("kmr", "text", "He\u0301wle\u0302r", "Héwlêr"),  # NFC composes
    # A dot above after other marks is still the Turkish İ: an Arabic small fatha (ccc 30) does not block NFC.
    ("kmr", "title", "  I\u0618\u0307", "I\u0618"),
    ("kmr", "key", "  HEWLÊR,  Herêma\u200b Kurdistanê ", "hewler, herema kurdistane"),
    # English: NFC; a soft hyphen and ZWSP leave titles.
    ("en", "title", "Er\u00adbil\u200b  water", "Erbil water"),
    ("en", "text", "Cafe\u0301", "Café"),
    # ﷺ is a presentation form like the others: folded into its words.
    ("ar", "text", "\ufdfa", "صلى الله عليه وسلم"),
    # ² is not an Arabic presentation form: NFKC is not applied to it.
    ("en", "text", "10 km²", "10 km²"),
    # A run of ZWJ next to Arabic letters goes whole (one left behind would go on a second pass).
    ("ckb", "text", "هەولێر\u200d\u200d سلێمانی", "هەولێر سلێمانی"),
    ("ckb", "title", "هەولێر\u200d\u200d سلێمانی", "هەولێر سلێمانی"),
    ("ar", "text", "أربيل\u200d\u200d\u200d بغداد", "أربيل بغداد"),
    ("ar", "title", "\u200d\u200dأربيل", "أربيل"),
    # An emoji ZWJ sequence is not Arabic-script content: it stays whole.
    ("ckb", "text", "👨\u200d👩\u200d👧 هەولێر", "👨\u200d👩\u200d👧 هەولێر"),
    # Harakat between digits: once they go, the separator between the digits is ASCII at once.
    ("ar", "key", "0ً٫0", "0.0"),
    ("ckb", "text", "١ٌ٬٠٠٠ و 2ـ٫5", "1,000 و 2.5"),
    # Names ending in الله keep their final ه (it is the consonant h, not the vowel ە).
    ("ckb", "text", "عبدالله و نصرالله و حزب\u200cالله", "عبدالله و نصرالله و حزبالله"),
]


@pytest.mark.parametrize(("language", "kind", "messy", "canonical"), CASES)
def test_messy_text_gives_the_canonical_form(language: str, kind: str, messy: str, canonical: str) -> None:
    assert normalize(messy, language, kind) == canonical  # type: ignore[arg-type]
    assert normalize(canonical, language, kind) == canonical  # type: ignore[arg-type]


def test_sorani_title_has_no_format_characters() -> None:
    out = normalize("\u2067هه\u200cولێر\u2069\u200e \ufeffنوێ", "ckb", "title")
    assert out == "هەولێر نوێ"


def test_a_bare_medial_heh_is_reported_not_changed() -> None:
    legacy = "ئهمڕۆ سهرۆكی هەرێم"
    assert normalize(legacy, "ckb") == "ئهمڕۆ سهرۆکی هەرێم"
    found = warnings(legacy, "ckb")
    assert [w.split(":")[0] for w in found] == ["ئهمڕۆ", "سهرۆکی"]
    # Modern words with a consonant h inside (بەهار, ئاهەنگ) are not reported.
    assert warnings("بەهار و ئاهەنگ و تەنها", "ckb") == []


def test_kurdish_letters_in_arabic_are_reported() -> None:
    assert warnings("أعلنت حکومەتی الإقليم", "ar") == ["حكومەتي: Kurdish letter ە in Arabic text; check the spelling"]
    assert warnings("أعلنت الحكومة", "ar") == []


def test_each_warning_appears_once() -> None:
    assert len(warnings("سهرۆک و سهرۆک", "ckb")) == 1


def test_html_normalisation_touches_text_not_attributes() -> None:
    html = '<p><a href="https://example.iq/كوردستان/١٢">كوردستان ١٢</a> هه\u200cولێر</p>'
    out = normalize_html(html, "ckb")
    assert out == '<p><a href="https://example.iq/كوردستان/١٢">کوردستان 12</a> هەولێر</p>'


def test_unknown_language_gets_the_generic_latin_rules() -> None:
    assert normalize("Dıyarbakır", "tr") == "Dıyarbakır"
