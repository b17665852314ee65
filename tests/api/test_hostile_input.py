"""Hostile input through the API: arbitrary JSON and arbitrary Unicode are a 4xx or a stored article, never a 500,
and whatever is stored renders valid RSS, Atom, JSON Feed, ninjs and NewsML-G2, article pages and sitemaps.
The same holds for URLs (broken escapes, IRIs, credentials, IP literals) and dates (extreme years, odd offsets).

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
# URLs: stray and broken escapes, characters URIs cannot carry, IRIs, credentials, IP literals, odd schemes.
URL_PIECES = [
    "%", "%z", "%zz", "%4", "%41", "%25", "%e2%80", "|", "^", "`", "[", "]", "{", "}", " ", '"', "<", ">", "\\",
    "#", "?", "&", "=", "@", ":", "'", "(", ")", "~", "..", "هەواڵ", "Hewlêr", "\u200f", "\u202e", "\x00", "\ud800",
]  # fmt: skip
GOOD_HOSTS = [
    "chira.example",
    "media.chira.example",
    "CHIRA.Example",
    "چیرا.example",
    "hewlêr.example",
    "chira.example:8443",
]
BAD_HOSTS = ["127.0.0.1", "[::1]", "0x7f.1", "user:pw@chira.example", "token@chira.example", "chira.example:99999"]
URL_TEXT = st.lists(
    st.one_of(
        st.sampled_from(URL_PIECES),
        st.characters(codec=None),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    ),
    max_size=12,
).map("".join)
# Any path, query and fragment on a host that may be published: stored, normalised.
URL_OK = st.builds(
    "{}://{}/{}?{}#{}".format,
    st.sampled_from(["https", "http", "HTTPS"]),
    st.sampled_from(GOOD_HOSTS),
    URL_TEXT,
    URL_TEXT,
    URL_TEXT,
)
URL_ANY = st.one_of(
    URL_OK,
    st.builds(
        "{}://{}/{}".format,
        st.sampled_from(["https", "ftp", "javascript", "data", "file"]),
        st.sampled_from(GOOD_HOSTS + BAD_HOSTS + ["", "chira.example."]),
        URL_TEXT,
    ),
    TEXT,
)
URL_FIELDS = ("canonical_url", "media_url", "license_url")
# Every URL field takes odd paths; at most one takes anything at all (else almost nothing would be stored).
URLS = st.builds(
    lambda ok, field, anything: {**ok, field: anything} if field else ok,
    st.fixed_dictionaries(dict.fromkeys(URL_FIELDS, URL_OK)),
    st.sampled_from([None, *URL_FIELDS]),
    URL_ANY,
)
# Dates: offsets up to ±23:59 and fractions in range; at most one date with an extreme year or a broken offset.
OFFSET = st.one_of(
    st.sampled_from(["Z", "+00:00", "-00:00", "+14:00", "-12:00", "+05:45", "+23:59", "-23:59"]),
    st.builds("{}{:02}:{:02}".format, st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)),
)
BAD_OFFSET = st.sampled_from(["+24:00", "+05:30:15", "+5", "", "-99:00"])
EXTREME_YEAR = st.one_of(st.sampled_from([1, 2, 1969, 2101, 9998, 9999]), st.integers(1, 9999))


def date(year: st.SearchStrategy[int], offset: st.SearchStrategy[str] = OFFSET) -> st.SearchStrategy[str]:
    return st.builds(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{}".format,
        year,
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 59),
        st.sampled_from(["", ".5", ".123456", ".123456789"]),
        offset,
    )


DATE_FIELDS = ("published_at", "updated_at", "embargo_until")
DATES = st.builds(
    lambda ok, field, extreme: {**ok, field: extreme} if field else ok,
    st.fixed_dictionaries(
        {"published_at": date(st.integers(1970, 2100))},
        # A future embargo keeps the article out of the feeds this test reads: in range, only past ones.
        optional={"updated_at": date(st.integers(1970, 2100)), "embargo_until": date(st.integers(1970, 2020))},
    ),
    st.sampled_from([None, *DATE_FIELDS]),
    st.one_of(date(EXTREME_YEAR), date(st.integers(1970, 2100), BAD_OFFSET)),
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


@pytest.mark.slow
def test_hostile_urls_and_dates_are_stored_valid_or_refused(api: TestClient, db: Database, settings: Settings) -> None:
    """URLs and dates of any shape: a 422 naming the field, or stored and valid in every output."""
    stored: list[str] = []

    @FUZZ
    @given(
        language=st.sampled_from(["en", "ckb", "kmr", "ar"]),
        urls=URLS,
        dates=DATES,
    )
    @example(
        language="en",
        urls=dict.fromkeys(URL_FIELDS, "https://chira.example/a%zz/b|^`[x]?q=%"),
        dates={"published_at": "2020-01-01T00:30:00+14:00"},
    )
    @example(
        language="en", urls=dict.fromkeys(URL_FIELDS, "http://[::1]/x"), dates={"published_at": "2020-01-01T00:00:00Z"}
    )
    @example(
        language="ar",
        urls=dict.fromkeys(URL_FIELDS, "https://chira.example/x"),
        dates={"published_at": "9999-12-31T23:00:00-05:00"},
    )
    @example(
        language="ckb",
        urls=dict.fromkeys(URL_FIELDS, "https://chira.example/x"),
        dates={"published_at": "0001-01-01T00:30:00+14:00"},
    )
    def run(language: str, urls: dict[str, str], dates: dict[str, str]) -> None:
        doc = with_text(language, dict.fromkeys(FIELDS, "نووسین"))
        doc["canonical_url"] = urls["canonical_url"]
        doc["media"][0]["url"] = urls["media_url"]
        doc["rights"] = {"license_url": urls["license_url"], "usage_terms": "Partners only."}
        doc.update(dates)
        answer = post(api, encode(doc))
        if answer.status_code == 201:
            stored.append(doc["id"])
            check_outputs(api, db, settings, doc["id"])
        else:
            assert answer.status_code == 422, answer.text
            named = {p["field"] for p in answer.json()["problems"]}
            allowed = {"canonical_url", "media.0.url", "rights.license_url", *dates, ""}
            assert named and named <= allowed, answer.text

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
