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


# --- dates every output can carry --------------------------------------------------------------


@pytest.mark.parametrize("field", ["published_at", "updated_at", "embargo_until"])
@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("9999-12-31T23:00:00-05:00", "cannot be converted to UTC"),  # year 10000 in UTC
        ("0001-01-01T00:30:00+14:00", "cannot be converted to UTC"),  # year 0 in UTC
        ("0001-06-01T00:00:00Z", "must lie between 1970"),
        ("1969-12-31T23:59:59Z", "must lie between 1970"),
        ("1970-01-01T10:00:00+14:00", "must lie between 1970"),  # 1969 in UTC
        ("2101-01-01T00:00:00Z", "must lie between 1970"),
        ("2100-12-31T23:00:00-05:00", "must lie between 1970"),  # 2101 in UTC
    ],
)
def test_dates_outside_the_range_are_refused_naming_the_field(field: str, value: str, why: str) -> None:
    doc = article(published_at="1970-01-01T00:00:00Z") if field == "updated_at" else article()
    doc[field] = value
    found = problems(doc)
    assert field in found and why in found[field], found


@pytest.mark.parametrize("value", ["1970-01-01T00:00:00Z", "2100-12-31T18:59:59-05:00", "2020-02-29T12:00:00+23:59"])
def test_dates_at_the_edges_and_odd_offsets_are_kept(value: str) -> None:
    parsed = parse_document(article(published_at=value), max_bytes=LIMIT)
    assert isinstance(parsed, Article) and parsed.document()["published_at"].startswith(value[:16])


# --- URLs: normalised to RFC 3986, no credentials, no IP addresses ------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://chira.example/a%zz/b", "https://chira.example/a%25zz/b"),
        ("https://chira.example/100%", "https://chira.example/100%25"),
        ("https://chira.example/a|^`[b]?q=`|#f`", "https://chira.example/a%7C%5E%60%5Bb%5D?q=%60%7C#f%60"),
        ("https://CHIRA.example/ckb/هەواڵ", "https://chira.example/ckb/%D9%87%DB%95%D9%88%D8%A7%DA%B5"),
        ("https://چیرا.example/a%2Fb", f"https://{'چیرا'.encode('idna').decode()}.example/a%2Fb"),
        ("https://chira.example:8443/a?x=1&y=2", "https://chira.example:8443/a?x=1&y=2"),
    ],
)
def test_urls_are_stored_as_uris(given: str, stored: str) -> None:
    doc = article(canonical_url=given, media=[{"url": given}], rights={"license_url": given})
    parsed = parse_document(doc, max_bytes=LIMIT).document()
    assert parsed["canonical_url"] == parsed["media"][0]["url"] == parsed["rights"]["license_url"] == stored


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://user:pw@chira.example/a", "user name or password"),
        ("https://user@chira.example/a", "user name or password"),
        ("http://[::1]/x", "not an IP address"),
        ("http://127.0.0.1/x", "not an IP address"),
        ("http://0x7f.1/x", "not an IP address"),  # 127.0.0.1 in another spelling
        ("ftp://chira.example/a", "URL scheme should be 'http' or 'https'"),
    ],
)
@pytest.mark.parametrize("where", ["canonical_url", "media.0.url", "rights.license_url"])
def test_urls_with_credentials_or_ip_hosts_are_refused(url: str, why: str, where: str) -> None:
    overrides = {
        "canonical_url": {"canonical_url": url},
        "media.0.url": {"media": [{"url": url}]},
        "rights.license_url": {"rights": {"license_url": url}},
    }[where]
    found = problems(article(**overrides))
    assert list(found) == [where] and why in found[where], found
