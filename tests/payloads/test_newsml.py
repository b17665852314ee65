"""NewsML-G2 2.35 payloads of every example validate against the IPTC XSD (lxml and xmlschema) and carry
language, direction, rights, the correction signal, links to the other language versions and takedowns."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lxml import etree
from sqlalchemy import select

from syndicate.cli.run import run_embedded
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, Payload
from tests.helpers import EXAMPLES, article, assert_valid_newsml, assert_valid_ninjs, require_standard

G = "http://iptc.org/std/nar/2006-10-01/"
NS = {"g": G, "h": "http://www.w3.org/1999/xhtml"}
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@lru_cache(maxsize=1)
def second_validator() -> Any:
    import xmlschema

    return xmlschema.XMLSchema(str(require_standard("newsml-g2", "NewsML-G2_2.35-spec-All-Power.xsd")))


def payloads(db: Database, fmt: str) -> dict[tuple[str, int], str]:
    with db.read() as session:
        rows = session.execute(
            select(Article.newsroom_id, ArticleVersion.version, Payload.body)
            .join(ArticleVersion, ArticleVersion.id == Payload.version_id)
            .join(Article, Article.id == ArticleVersion.article_id)
            .where(Payload.format == fmt)
        ).all()
    return {(newsroom_id, version): body for newsroom_id, version, body in rows}


def test_every_example_is_valid_newsml(db: Database, settings: Settings) -> None:
    run_embedded(db, settings, str(EXAMPLES))
    stored = payloads(db, "newsml")
    check_rtl_language_and_direction_everywhere(stored)
    check_correction_signal_and_note(stored, payloads(db, "ninjs"))
    assert len(stored) == len(list(EXAMPLES.glob("*.json")))
    for (newsroom_id, version), body in stored.items():
        tree = assert_valid_newsml(body.encode())
        second_validator().validate(body)  # raises on error
        item = tree.find("g:itemSet/g:newsItem", NS)
        assert item.get("guid") == f"tag:chira.example,2020:{newsroom_id}" and item.get("version") == str(version)
        assert tree.find(".//g:pubStatus", NS).get("qcode") == "stat:usable"


def check_rtl_language_and_direction_everywhere(stored: dict[tuple[str, int], str]) -> None:
    tree = assert_valid_newsml(stored[("cn-88412-ckb", 1)].encode())
    item = tree.find(".//g:newsItem", NS)
    assert (item.get(LANG), item.get("dir")) == ("ckb", "rtl")
    for path in ("g:contentMeta/g:headline", "g:contentMeta/g:description", "g:contentSet/g:inlineXML"):
        element = item.find(path, NS)
        assert (element.get(LANG), element.get("dir")) == ("ckb", "rtl"), path
    assert item.find("g:contentMeta/g:language", NS).get("tag") == "ckb"
    html = item.find("g:contentSet/g:inlineXML/h:html", NS)
    assert (html.get("lang"), html.get("dir")) == ("ckb", "rtl")
    assert html.find("h:body/h:div", NS).get("dir") == "rtl"
    kmr = assert_valid_newsml(stored[("cn-88412-kmr", 1)].encode()).find(".//g:newsItem", NS)
    assert (kmr.get(LANG), kmr.get("dir")) == ("kmr", "ltr")
    # the three other language versions, each with its own language and direction
    links = {el.get(LANG): el.get("dir") for el in item.iterfind("g:itemMeta/g:link", NS) if el.get("residref")}
    assert links == {"en": "ltr", "kmr": "ltr", "ar": "rtl"}
    assert item.find("g:rightsInfo/g:copyrightHolder/g:name", NS).text == "Chira News"
    # The localized dateline, as readers of Sorani write it.
    assert item.find("g:contentMeta/g:located/g:name", NS).text == "هەولێر، هەرێمی کوردستان"
    assert [c.text for c in item.iterfind("g:contentMeta/g:creator/g:name", NS)] == ["ئاراس ئەحمەد"]


def check_correction_signal_and_note(stored: dict[tuple[str, int], str], ninjs: dict[tuple[str, int], str]) -> None:
    first = assert_valid_newsml(stored[("cn-93005", 1)].encode())
    second = assert_valid_newsml(stored[("cn-93005", 2)].encode())
    assert first.find(".//g:signal", NS) is None
    assert second.find(".//g:itemMeta/g:signal", NS).get("qcode") == "sig:correction"
    note = second.find(".//g:itemMeta/g:edNote", NS)
    assert "35" in note.text and note.get("dir") == "rtl"
    assert "35" in assert_valid_ninjs(ninjs[("cn-93005", 2)])["ednote"]


def test_withdrawal_is_canceled_without_content(db: Database, settings: Settings) -> None:
    from tests.partners.support import publish

    publish(db, settings, article(id="x-1", rights={"copyright_holder": "Chira News", "usage_terms": "No resale."}))
    publish(db, settings, {"id": "x-1", "version": 2, "status": "withdrawn", "reason": "legal"})
    stored = payloads(db, "newsml")
    usable = assert_valid_newsml(stored[("x-1", 1)].encode())
    assert usable.find(".//g:rightsInfo/g:usageTerms", NS).text == "No resale."
    canceled = assert_valid_newsml(stored[("x-1", 2)].encode())
    assert canceled.find(".//g:pubStatus", NS).get("qcode") == "stat:canceled"
    assert canceled.find(".//g:contentSet", NS) is None
    ninjs = assert_valid_ninjs(payloads(db, "ninjs")[("x-1", 2)])
    assert ninjs["pubstatus"] == "canceled" and "bodies" not in ninjs


def test_body_markup_survives_as_xhtml() -> None:
    from syndicate.payloads.newsml import xhtml_body

    link = '<a href="https://example.org/?a=1&amp;b=2">رابط</a>'
    html = f'<div lang="ar" dir="rtl"><p>نص {link} &amp; <b>عريض</b></p></div>'
    root = xhtml_body(html, "عنوان", "ar", "rtl")
    text = etree.tostring(root, encoding="unicode")
    assert 'href="https://example.org/?a=1&amp;b=2"' in text and "<b>عريض</b>" in text
    assert root.find("h:body/h:div/h:p", NS).text == "نص "
