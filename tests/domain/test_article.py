"""The article model: validation errors name the field; the schema is generated from the model."""

from __future__ import annotations

import json

import pytest

from syndicate.domain.article import Article, Withdrawal, article_json_schema
from syndicate.domain.prepare import parse_document
from syndicate.errors import TooLarge, ValidationFailed
from tests.helpers import ROOT, article, examples

LIMIT = 1_000_000


def problems(raw: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        parse_document(raw, max_bytes=LIMIT)
    return {p.field: p.message for p in info.value.problems}


def test_every_example_is_a_valid_article() -> None:
    docs = examples()
    assert len(docs) >= 8
    assert {d["language"] for d in docs} == {"en", "ckb", "kmr", "ar"}
    for doc in docs:
        parsed = parse_document(doc, max_bytes=LIMIT)
        assert isinstance(parsed, Article)
        assert parsed.byline and parsed.media and parsed.dateline


def test_missing_fields_are_named() -> None:
    found = problems(article(headline=None, byline=None))
    assert found.keys() == {"headline", "byline"}
    assert all("required" in m.lower() for m in found.values())


def test_naive_datetime_is_an_error_naming_the_field() -> None:
    found = problems(article(published_at="2020-01-21T14:05:00"))
    assert "published_at" in found
    assert "time zone" in found["published_at"]


def test_unknown_language_lists_the_known_ones() -> None:
    found = problems(article(language="fa"))
    assert "language" in found and "ckb" in found["language"]


def test_nested_field_paths() -> None:
    found = problems(article(byline=[{"name": ""}], media=[{"url": "not a url"}]))
    assert "byline.0.name" in found
    assert "media.0.url" in found


def test_unknown_fields_are_refused() -> None:
    assert problems(article(colour="red")) == {"colour": "unknown field"}


def test_five_megabyte_body_is_refused_with_the_limit() -> None:
    raw = article(body_html="<p>" + "x" * (5 * 1024 * 1024) + "</p>")
    with pytest.raises(TooLarge) as info:
        parse_document(raw, max_bytes=LIMIT)
    message = str(info.value)
    assert "limit is 1000000 bytes" in message and info.value.http_status == 413


def test_updated_before_published_is_refused() -> None:
    found = problems(article(updated_at="2019-01-01T00:00:00+00:00"))
    assert any("updated_at" in m for m in found.values())


def test_not_an_object() -> None:
    assert problems([1, 2]) == {"": "expected a JSON object, got list"}


def test_minimal_withdrawal() -> None:
    parsed = parse_document({"id": "t-1", "version": 3, "status": "withdrawn", "reason": "legal"}, max_bytes=LIMIT)
    assert isinstance(parsed, Withdrawal) and parsed.reason == "legal"


def test_published_schema_matches_the_model() -> None:
    published = json.loads((ROOT / "docs" / "article.schema.json").read_text("utf-8"))
    assert published == article_json_schema(), "run: syndicate schema > docs/article.schema.json"
    assert set(published["required"]) >= {
        "id",
        "version",
        "language",
        "headline",
        "body_html",
        "byline",
        "section",
        "published_at",
        "canonical_url",
    }
