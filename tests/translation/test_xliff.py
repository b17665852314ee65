"""XLIFF 1.2 export → edit in a "CAT tool" → import, placeholders intact all the way to publication."""

from __future__ import annotations

import copy
import re

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from syndicate.api.app import create_app
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.translation.states import JobState
from tests.api.conftest import EDITOR, NEWSROOM
from tests.helpers import article, parse_feed
from tests.translation.conftest import Configure, job_for, segments

TRANSLATOR = {"Authorization": "Bearer translator-secret"}
NS = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
BODY = '<p>The <a href="https://gov.krd/water">ministry</a> said 120,000 cubic metres a day will flow to Erbil.</p>'
GOOD = "{a}وەزارەت{b} ڕایگەیاند ڕۆژانە {n} مەتر سێجا ئاو دەگاتە {city}."


@pytest.fixture
def client(configure: Configure) -> TestClient:
    settings: Settings = configure(translation_policy={"targets": ["ckb"]})  # the human desk only
    app = TestClient(create_app(settings))
    assert app.post("/v1/articles", json=article(body_html=BODY), headers=NEWSROOM).status_code == 201
    return app


def cat_tool(xliff: bytes, *, body: str) -> bytes:
    """What a translator's CAT tool does: fill every target, keeping the locked <x/> elements."""
    tree = etree.fromstring(xliff)
    for unit in tree.iterfind(".//x:trans-unit", NS):
        source = unit.find("x:source", NS)
        target = unit.find("x:target", NS)
        if target is None:
            target = etree.SubElement(unit, f"{{{NS['x']}}}target")
        for child in list(target):
            target.remove(child)
        if unit.get("id") == "body.1":
            xs = {x.get("id"): x for x in source.iterfind("x:x", NS)}
            parts = re.split(r"(\{\w+\})", body)
            target.text, last = "", None
            for part in parts:
                name = part.strip("{}") if part.startswith("{") else None
                if name:
                    ph = etree.SubElement(
                        target, f"{{{NS['x']}}}x", id={"a": "1", "b": "2", "n": "3", "city": "4"}[name]
                    )
                    ph.set("equiv-text", xs[ph.get("id")].get("equiv-text"))
                    last = ph
                elif last is None:
                    target.text += part
                else:
                    last.tail = (last.tail or "") + part
        else:
            # Other units: the source copied as the "translation", inline elements and all.
            target.text = source.text
            for child in source:
                target.append(copy.deepcopy(child))  # keeps its tail text too
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def test_export_edit_import_round_trip_keeps_placeholders(client: TestClient, db: Database) -> None:
    job = job_for(db, "ckb")
    assert job.state == JobState.in_review  # no machine: waiting for a translator
    exported = client.get(f"/v1/translation/jobs/{job.id}/xliff", headers=TRANSLATOR)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/xliff+xml")
    tree = etree.fromstring(exported.content)
    assert tree.get("version") == "1.2"
    file = tree.find("x:file", NS)
    assert (file.get("source-language"), file.get("target-language")) == ("en", "ckb")
    unit = tree.find(".//x:trans-unit[@id='body.1']", NS)
    locked = [(x.get("id"), x.get("ctype"), x.get("equiv-text")) for x in unit.find("x:source", NS)]
    assert locked == [
        ("1", "x-html", '<a href="https://gov.krd/water" rel="noopener">'),
        ("2", "x-html", "</a>"),
        ("3", "x-number", "120,000"),
        ("4", "x-protected-name", "Erbil = هەولێر"),
    ]

    # Placeholders moved around are refused with the reason, and nothing is stored.
    moved = cat_tool(exported.content, body="{city} دەگاتە ڕۆژانە {n} مەتر سێجا ئاو، {a}وەزارەت{b} ڕایگەیاند.")
    refused = client.put(f"/v1/translation/jobs/{job.id}/xliff", content=moved, headers=TRANSLATOR)
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        {"field": "segments.body.1", "message": "placeholders reordered: expected #1, #2, #3, #4, got #4, #3, #1, #2"}
    ]
    assert segments(db, job.id)["body.1"].target_text is None

    good = cat_tool(exported.content, body=GOOD)
    imported = client.put(f"/v1/translation/jobs/{job.id}/xliff", content=good, headers=TRANSLATOR)
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == len(segments(db, job.id))
    body = segments(db, job.id)["body.1"]
    assert body.target_text == (
        '<x id="1"/>وەزارەت<x id="2"/> ڕایگەیاند ڕۆژانە <x id="3"/> مەتر سێجا ئاو دەگاتە <x id="4"/>.'
    )
    assert body.edited_by == "translator-0"

    # Exported again, the translation is there, placeholders and all.
    again = etree.fromstring(client.get(f"/v1/translation/jobs/{job.id}/xliff", headers=TRANSLATOR).content)
    target = again.find(".//x:trans-unit[@id='body.1']/x:target", NS)
    assert [x.get("id") for x in target] == ["1", "2", "3", "4"]

    assert client.post(f"/v1/translation/jobs/{job.id}/approve", headers=EDITOR).json()["state"] == "published"
    feed = parse_feed(client.get("/feeds/ckb/atom.xml").content, "application/atom+xml")
    html = feed.entries[0].content[0].value
    link = '<a href="https://gov.krd/water" rel="noopener">وەزارەت</a>'
    assert f"{link} ڕایگەیاند ڕۆژانە 120,000 مەتر سێجا ئاو دەگاتە هەولێر." in html


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda x: x.replace(b'<x id="4"', b'<x id="9"', 1), "placeholder #4 lost"),
        (lambda x: x.replace(b'<x id="3"', b'<g id="3">!</g><x id="5"', 1), "inline element <g> is not allowed"),
    ],
)
def test_an_import_that_breaks_a_placeholder_is_refused(
    client: TestClient, db: Database, mangle: object, message: str
) -> None:
    job = job_for(db, "ckb")
    exported = client.get(f"/v1/translation/jobs/{job.id}/xliff", headers=TRANSLATOR).content
    filled = cat_tool(exported, body=GOOD)
    target_start = filled.index(b"<target", filled.index(b'id="body.1"'))
    broken = filled[:target_start] + mangle(filled[target_start:])  # type: ignore[operator]
    response = client.put(f"/v1/translation/jobs/{job.id}/xliff", content=broken, headers=TRANSLATOR)
    assert response.status_code == 422
    assert any(p["field"] == "segments.body.1" and message in p["message"] for p in response.json()["problems"])
    assert all(s.target_text is None for s in segments(db, job.id).values()), "nothing stored from a refused file"


def test_a_file_of_another_job_or_with_a_doctype_is_refused(client: TestClient, db: Database) -> None:
    job = job_for(db, "ckb")
    exported = client.get(f"/v1/translation/jobs/{job.id}/xliff", headers=TRANSLATOR).content
    other = exported.replace(f"syndicate-job-{job.id}".encode(), b"syndicate-job-999")
    assert (
        "syndicate-job-999"
        in client.put(f"/v1/translation/jobs/{job.id}/xliff", content=other, headers=TRANSLATOR).text
    )
    evil = exported.replace(b"<xliff", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xliff', 1)
    response = client.put(f"/v1/translation/jobs/{job.id}/xliff", content=evil, headers=TRANSLATOR)
    assert response.status_code == 422 and "document type" in response.text


@pytest.mark.parametrize(
    "encode",
    [
        lambda x: x.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        lambda x: x.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16BE"').encode("utf-16-be"),
    ],
    ids=["utf-16", "utf-16-be"],
)
@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',  # external entity (XXE)
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',  # expansion bomb
        '<!DOCTYPE xliff SYSTEM "http://127.0.0.1:9/x.dtd">',  # external DTD
    ],
    ids=["xxe", "bomb", "external-dtd"],
)
def test_a_doctype_in_another_encoding_is_refused_too(
    client: TestClient, db: Database, encode: object, doctype: str
) -> None:
    """A byte search for "<!DOCTYPE" misses UTF-16; the parser-level check does not."""
    job = job_for(db, "ckb")
    exported = client.get(f"/v1/translation/jobs/{job.id}/xliff", headers=TRANSLATOR).content
    assert exported.startswith(b'<?xml version="1.0" encoding="UTF-8"?>') or b'encoding="UTF-8"' in exported[:100]
    evil = encode(exported.replace(b"<xliff", doctype.encode() + b"<xliff", 1))  # type: ignore[operator]
    assert b"<!DOCTYPE" not in evil.upper()
    response = client.put(f"/v1/translation/jobs/{job.id}/xliff", content=evil, headers=TRANSLATOR)
    assert response.status_code == 422 and "document type" in response.text
    assert all(s.target_text is None for s in segments(db, job.id).values())
