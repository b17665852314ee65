"""Segments and placeholders: what a backend sees, and how its answer is checked and restored."""

from __future__ import annotations

from html import escape

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from syndicate.errors import PlaceholderMismatch
from syndicate.translation.placeholders import check, mask_html, mask_plain, restore
from syndicate.translation.segments import assemble, split_body, split_document
from syndicate.translation.terms import protected_terms
from tests.helpers import article

EN_CKB = protected_terms("en", "ckb")


def test_article_is_split_into_headline_standfirst_paragraphs_captions_and_dateline() -> None:
    doc = article(
        body_html="<p>One.</p><h2>Two</h2><ul><li>Three</li><li>Four</li></ul><figure><img src='x.jpg'></figure>",
        status="corrected",
        correction_note="A figure was wrong.",
        version=2,
    )
    split = split_document(doc, EN_CKB)
    assert [(s.key, s.kind) for s in split.segments] == [
        ("headline", "headline"),
        ("standfirst", "standfirst"),
        ("body.1", "paragraph"),
        ("body.2", "paragraph"),
        ("body.3", "paragraph"),
        ("body.4", "paragraph"),
        ("media.0.caption", "caption"),
        ("dateline", "dateline"),
        ("correction_note", "correction"),
    ]
    assert "<img" in split.skeleton, "blocks without text stay in the skeleton"


def test_inline_markup_and_protected_spans_become_numbered_placeholders() -> None:
    masked = mask_html(
        'Visit <a href="https://x.org/?a=1&amp;b=2">the Erbil office</a> or https://chira.example/x, 9:30 on 21 March.',
        EN_CKB,
    )
    assert masked.text == (
        'Visit <x id="1"/>the <x id="2"/> office<x id="3"/> or <x id="4"/>, '
        '<x id="5"/>:<x id="6"/> on <x id="7"/> March.'
    )
    kinds = [(p.kind, p.source, p.target) for p in masked.placeholders]
    assert kinds == [
        ("tag", '<a href="https://x.org/?a=1&amp;b=2">', None),
        ("term", "Erbil", "هەولێر"),
        ("tag", "</a>", None),
        ("url", "https://chira.example/x", None),
        ("number", "9", None),
        ("number", "30", None),
        ("number", "21", None),
    ]
    answer = check(
        'سەردانی <x id="1"/><x id="2"/><x id="3"/> <x id="4"/> <x id="5"/>:<x id="6"/> <x id="7"/>', masked.placeholders
    )
    assert restore(answer, masked.placeholders, html=True) == (
        'سەردانی <a href="https://x.org/?a=1&amp;b=2">هەولێر</a> https://chira.example/x 9:30 21'
    )


def test_longest_name_wins_and_upper_case_datelines_keep_their_case() -> None:
    kmr = protected_terms("en", "kmr")
    masked = mask_plain("ERBIL, Kurdistan Region", kmr)
    assert [(p.source, p.target) for p in masked.placeholders] == [
        ("ERBIL", "HEWLÊR"),
        ("Kurdistan Region", "Herêma Kurdistanê"),
    ]
    assert restore(masked.text, masked.placeholders, html=False) == "HEWLÊR, Herêma Kurdistanê"
    assert restore(masked.text, masked.placeholders, html=False, side="source") == "ERBIL, Kurdistan Region"


def test_numbers_in_every_script_and_not_inside_words() -> None:
    masked = mask_plain("G7 met on ٢١ March; 1,234.5 people; 2020an")
    assert [p.source for p in masked.placeholders] == ["٢١", "1,234.5", "2020"]


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ('a <x id="2"/> b', "placeholder #1 lost"),
        ('<x id="1"/> a <x id="1"/> <x id="2"/>', "placeholder #1 duplicated"),
        ('<x id="2"/> a <x id="1"/>', "placeholders reordered"),
        ('<x id="1"/> <x id="2"/> <x id="3"/>', "unknown placeholder #3"),
        ('<x id="1"/> <b>bold</b> <x id="2"/>', "unexpected markup '<b>'"),
    ],
)
def test_a_broken_answer_is_a_placeholder_mismatch(answer: str, problem: str) -> None:
    masked = mask_html("Hello <b>world</b>")
    with pytest.raises(PlaceholderMismatch, match=problem):
        check(answer, masked.placeholders)


def test_engines_echo_tokens_in_other_spellings() -> None:
    masked = mask_html("Hello <b>world</b>")
    assert check('Silav <X id=1></x>cîhan<x id = "2" />', masked.placeholders) == 'Silav <x id="1"/>cîhan<x id="2"/>'


_text = st.text(alphabet=st.sampled_from(list("abc xyz&<>\"'.,-0123456789هەولێرErbil")), max_size=12)
_tag = st.sampled_from(["<b>", "</b>", "<br>", '<a href="https://x.org/a?b=1&amp;c=2">', "</a>", "<em>", "</em>"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_text.map(lambda t: escape(t, quote=False)), _tag), max_size=10))
def test_mask_check_restore_gives_back_the_source(parts: list[str]) -> None:
    """Whatever the markup and text, an answer equal to the masked source restores to the source."""
    fragment = "".join(parts)
    assume(fragment.strip())
    masked = mask_html(fragment, ())
    assert restore(check(masked.text, masked.placeholders), masked.placeholders, html=True) == fragment.strip()


def test_assemble_puts_translated_blocks_back_into_the_skeleton() -> None:
    doc = article(body_html="<p>One <b>bold</b>.</p><blockquote><p>Quoted.</p></blockquote>")
    split = split_document(doc)
    texts = {}
    for seg in split.segments:
        texts[seg.key] = restore(seg.masked.text.upper(), seg.masked.placeholders, html=seg.html)
    out = assemble(doc, split.skeleton, texts)
    assert out["body_html"] == "<p>ONE <b>BOLD</b>.</p><blockquote><p>QUOTED.</p></blockquote>"
    assert out["headline"] == doc["headline"].upper()
    assert out["media"][0]["caption"] == doc["media"][0]["caption"].upper()


def test_loose_text_makes_the_whole_body_one_segment() -> None:
    blocks, skeleton = split_body("Just text with <b>bold</b> and no paragraph.")
    assert blocks == ["Just text with <b>bold</b> and no paragraph."] and skeleton == "\ue0001\ue001"
