"""Hostile input through the API: arbitrary JSON and arbitrary Unicode are a 4xx or a stored article, never a 500,
and whatever is stored renders valid RSS, Atom, JSON Feed, ninjs and NewsML-G2, article pages and sitemaps.

Unicode includes what breaks systems: C0/C1 controls, NUL, lone surrogates
(sent as JSON escapes), noncharacters, bidi overrides and isolates, zero-width
joiners, combining marks, 100,000-character words.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from syndicate.api.app import create_app
from syndicate.feeds.families import feeds_for
from syndicate.feeds.urls import document_path
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, Payload
from tests.api.conftest import NEWSROOM
from tests.helpers import article
from tests.security.outputs import Output, validate

NASTY = [
    "\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\udfff", "\ud83d", "\ufffe", "\uffff",
    "\ufdd0", "\U0001fffe", "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u200e", "\u061c", "\u200d", "\u200b",
    "\ufeff", "\u0301", "\u0651", "\u2028", "\u2029", "&", "<", ">", "]]>", "&amp;", "'", '"', "\\", "%s", "{0}",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467", "ـ", "ك", "ي", "ە", "ێ",
]  # fmt: skip
LONG_WORD = "ب" * 100_000
TEXT = st.lists(
    st.one_of(
        st.characters(codec=None),  # any code point but surrogates
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # lone surrogates
        st.sampled_from(NASTY),
    ),
    max_size=40,
).map("".join)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
FIELDS = ("headline", "standfirst", "body_html", "dateline", "tag", "author", "role", "caption", "credit", "note")
_ids = itertools.count()
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def post(client: TestClient, body: bytes, content_type: str = "application/json") -> Any:
    answer = client.post("/v1/articles", content=body, headers={**NEWSROOM, "content-type": content_type})
    assert answer.status_code < 500, f"{answer.status_code}: {answer.text[:500]}"
    return answer


def encode(value: Any) -> bytes:
    # ensure_ascii: lone surrogates travel as \\udXXX escapes, the way a JSON encoder sends them.
    return json.dumps(value, ensure_ascii=True, allow_nan=False).encode()


def with_text(language: str, texts: dict[str, str]) -> dict[str, Any]:
    n = next(_ids)
    return article(
        id=f"fuzz-{n}",
        language=language,
        headline=f"H{n} {texts['headline']}",
        standfirst=texts["standfirst"],
        body_html=f"<p>Body {n}.</p><p>{texts['body_html']}</p>",
        dateline=texts["dateline"],
        tags=[texts["tag"], "Erbil"],
        byline=[{"name": f"A{n} {texts['author']}", "role": texts["role"]}],
        media=[{"url": "https://media.chira.example/a.jpg", "caption": texts["caption"], "credit": texts["credit"]}],
        correction_note=texts["note"],
        status="corrected",
        canonical_url=f"https://chira.example/{language}/kurdistan/{n}",
    )


def check_outputs(client: TestClient, db: Database, settings: Settings, newsroom_id: str) -> None:
    """Every document the stored article appears in is valid; its payloads pass the IPTC schemas."""
    with db.read() as session:
        stored = session.scalars(select(Article).where(Article.newsroom_id == newsroom_id)).one()
        version = session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == stored.id)).one()
        payloads = list(session.scalars(select(Payload).where(Payload.version_id == version.id)))
    assert version.processed_at is not None and len(payloads) == 2
    for payload in payloads:
        validate(Output(f"payload {payload.format}", payload.format, payload.body.encode()), settings)
    for ref in feeds_for(version.document):
        for fmt in ("rss", "atom", "json"):
            path = "/feeds/" + document_path(ref.key, fmt)
            answer = client.get(path)
            assert answer.status_code == 200, path
            validate(Output(path, fmt, answer.content), settings)
    page = client.get(version.rendition["path"])  # type: ignore[index]
    assert page.status_code == 200 and json.loads(page.content)["newsroom_id"] == newsroom_id
    for path in (f"/feeds/sitemaps/news-{stored.language}.xml", "/feeds/index.opml"):
        answer = client.get(path)
        if answer.status_code == 200:
            validate(Output(path, "sitemap", answer.content), settings)


@pytest.fixture
def api(settings: Settings) -> TestClient:
    # A 500 comes back as a response (and fails the test with its body), not as an exception.
    return TestClient(create_app(settings), raise_server_exceptions=False)


def test_arbitrary_json_is_refused_cleanly(api: TestClient) -> None:
    @FUZZ
    @given(value=JSON)
    @example(value={"id": "\ud800", "version": 1})
    @example(value=[{}] * 3)
    @example(value={"status": "withdrawn", "id": "x", "version": 1})
    def run(value: Any) -> None:
        answer = post(api, encode(value))
        assert answer.status_code in (200, 201) or 400 <= answer.status_code < 500
        assert answer.headers["content-type"].startswith("application/json")

    run()


def test_arbitrary_bytes_and_shapes_are_refused_cleanly(api: TestClient) -> None:
    @FUZZ
    @given(body=st.binary(max_size=200), kind=st.sampled_from(["application/json", "application/x-ndjson"]))
    @example(body=b'{"id": "a", "version": 1e999}', kind="application/json")
    @example(body=b'{"id": "a", "version": NaN, "media": [{"width": Infinity}]}', kind="application/json")
    @example(body=b"[" * 5000 + b"]" * 5000, kind="application/json")
    @example(body=b'{"a": 1}\n\xff\xfe\n[]', kind="application/x-ndjson")
    def run(body: bytes, kind: str) -> None:
        answer = post(api, body, kind)
        assert answer.status_code in (200, 201) or 400 <= answer.status_code < 500

    run()


@pytest.mark.slow
def test_arbitrary_unicode_in_every_field_is_stored_valid_or_refused(
    api: TestClient, db: Database, settings: Settings
) -> None:
    stored: list[str] = []

    @FUZZ
    @given(
        language=st.sampled_from(["en", "ckb", "kmr", "ar"]), texts=st.fixed_dictionaries(dict.fromkeys(FIELDS, TEXT))
    )
    @example(language="ckb", texts=dict.fromkeys(FIELDS, "\u202eتێست\u202c \ud800 \x00\x1b ]]> &amp; <b>x</b>"))
    def run(language: str, texts: dict[str, str]) -> None:
        doc = with_text(language, texts)
        answer = post(api, encode(doc))
        if answer.status_code == 201:
            stored.append(doc["id"])
            check_outputs(api, db, settings, doc["id"])
        else:
            assert answer.status_code in (413, 422), answer.text

    run()
    assert len(stored) >= 10, "almost everything was refused: the fuzzing tested validation only"


@pytest.mark.parametrize(
    "field", ["body_html", "standfirst", "caption", "note", "headline", "tag", "author", "dateline"]
)
def test_a_hundred_thousand_character_word(api: TestClient, db: Database, settings: Settings, field: str) -> None:
    texts = dict.fromkeys(FIELDS, "نووسین")
    texts[field] = LONG_WORD
    doc = with_text("ckb", texts)
    answer = post(api, encode(doc))
    if field == "body_html":
        assert answer.status_code == 201, answer.text
        check_outputs(api, db, settings, doc["id"])
    else:
        assert answer.status_code == 422 and answer.json()["problems"], answer.text  # each has a length limit


def test_nothing_but_hostile_characters_in_every_field(api: TestClient, db: Database, settings: Settings) -> None:
    texts = dict.fromkeys(FIELDS, "".join(NASTY))
    doc = with_text("ar", texts)
    answer = post(api, encode(doc))
    assert answer.status_code == 201, answer.text
    check_outputs(api, db, settings, doc["id"])
    stored = api.get(f"/v1/articles/{doc['id']}", headers=NEWSROOM)
    assert stored.status_code == 200


@pytest.mark.parametrize("kind", ["application/json", "application/x-ndjson"])
def test_a_batch_above_the_limit_is_refused_whole(
    api: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    from syndicate.settings import get_settings, reset_settings

    monkeypatch.setenv("SYNDICATE_MAX_BATCH_ITEMS", "3")
    reset_settings()
    client = TestClient(create_app(get_settings()), raise_server_exceptions=False)
    docs = [article(id=f"batch-{i}") for i in range(4)]
    body = encode(docs) if kind == "application/json" else b"\n".join(encode(d) for d in docs)
    answer = post(client, body, kind)
    assert answer.status_code == 413 and "the limit is 3" in answer.text
    with db.read() as session:
        assert not session.scalars(select(Article)).all(), "part of a refused batch was stored"
    assert post(client, encode(docs[:3])).status_code == 201
