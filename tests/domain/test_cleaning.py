"""Cleaning at ingest: safe HTML, no XML-illegal characters, NFC."""

from __future__ import annotations

import unicodedata

import pytest

from syndicate.domain.cleaning import sanitize_html, strip_illegal
from syndicate.domain.prepare import parse_document
from syndicate.errors import ValidationFailed
from tests.helpers import article

XSS = [
    "<script>alert(1)</script><p>ok</p>",
    '<p onclick="alert(1)">ok</p>',
    '<a href="javascript:alert(1)">ok</a>',
    '<a href="JaVaScRiPt:alert(1)">ok</a>',
    "<style>p{color:red}</style><p>ok</p>",
    '<img src="x" onerror="alert(1)"><p>ok</p>',
    '<iframe src="https://evil.example"></iframe><p>ok</p>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">ok</a>',
    '<svg onload="alert(1)"><p>ok</p></svg>',
    '<p style="background:url(javascript:alert(1))">ok</p>',
]


@pytest.mark.parametrize("html", XSS)
def test_unsafe_markup_is_removed(html: str) -> None:
    out = sanitize_html(html).lower()
    for bad in ("<script", "onclick", "onerror", "onload", "javascript:", "<style", "<iframe", "data:text", "style="):
        assert bad not in out
    assert "ok" in out


def test_inline_data_images_survive_but_nothing_else() -> None:
    html = '<img src="data:image/png;base64,iVBORw0KGgo="><img src="data:image/svg+xml;base64,PHN2Zz4=">'
    out = sanitize_html(html)
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in out
    assert "svg" not in out


def test_direction_and_language_attributes_are_kept() -> None:
    out = sanitize_html('<p dir="rtl" lang="ckb">سڵاو</p><p dir="sideways">x</p>')
    assert '<p dir="rtl" lang="ckb">' in out and "sideways" not in out


def test_xml_illegal_characters_are_removed_everywhere() -> None:
    dirty = "Erbil\x00\x01\x08\x0b\x0c\x1f\x7f\x85 \ud800water\ufffe\uffff"
    assert strip_illegal(dirty) == "Erbil water"
    raw = article(headline=dirty, body_html=f"<p>{dirty}</p>", byline=[{"name": f"Aras{chr(0)} Ahmed"}])
    parsed = parse_document(raw, max_bytes=10**6)
    assert parsed.headline == "Erbil water"
    assert parsed.byline[0].name == "Aras Ahmed"
    assert "\x00" not in parsed.body_html


def test_text_is_composed_nfc() -> None:
    decomposed = "Hewle\u0302r"  # e + combining circumflex
    parsed = parse_document(article(headline=decomposed), max_bytes=10**6)
    assert parsed.headline == "Hewlêr" and unicodedata.is_normalized("NFC", parsed.headline)


def test_body_that_is_only_script_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_document(article(body_html="<script>alert(1)</script>"), max_bytes=10**6)
    assert info.value.problems[0].field == "body_html"


def test_headline_line_breaks_are_collapsed() -> None:
    parsed = parse_document(article(headline="Erbil\nwater\r\nplant"), max_bytes=10**6)
    assert parsed.headline == "Erbil water plant"
