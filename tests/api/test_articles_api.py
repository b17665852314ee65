"""POST /v1/articles and the schema route."""

from __future__ import annotations

import json

import feedparser
from fastapi.testclient import TestClient

from tests.api.conftest import EDITOR, NEWSROOM
from tests.helpers import article, parse_feed


def test_ingest_then_feed_and_version_listing(client: TestClient) -> None:
    response = client.post("/v1/articles", json=article(), headers=NEWSROOM)
    assert response.status_code == 201, response.text
    assert response.json()["outcome"] == "created"
    feed = client.get("/feeds/en/rss.xml")
    assert feed.status_code == 200
    parsed = parse_feed(feed.content, feed.headers["content-type"])
    assert [e.title for e in parsed.entries] == [article()["headline"]]
    listing = client.get("/v1/articles/t-1", headers=EDITOR).json()
    assert listing["versions"][0]["processed"] is True


def test_same_version_twice_says_unchanged(client: TestClient) -> None:
    client.post("/v1/articles", json=article(), headers=NEWSROOM)
    again = client.post("/v1/articles", json=article(), headers=NEWSROOM)
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"


def test_older_version_is_reported_not_applied(client: TestClient) -> None:
    client.post("/v1/articles", json=article(version=2), headers=NEWSROOM)
    late = client.post("/v1/articles", json=article(version=1, headline="Old"), headers=NEWSROOM)
    assert late.status_code == 200 and late.json()["outcome"] == "ignored_older"
    parsed = feedparser.parse(client.get("/feeds/en/atom.xml").content)
    assert [e.title for e in parsed.entries] == [article()["headline"]]


def test_conflicting_content_for_a_stored_version_is_409(client: TestClient) -> None:
    client.post("/v1/articles", json=article(), headers=NEWSROOM)
    assert client.post("/v1/articles", json=article(headline="Other"), headers=NEWSROOM).status_code == 409


def test_problems_name_the_fields(client: TestClient) -> None:
    response = client.post(
        "/v1/articles", json=article(headline=None, published_at="2020-01-21T14:05:00"), headers=NEWSROOM
    )
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert fields == {"headline", "published_at"}


def test_invalid_json_is_422(client: TestClient) -> None:
    response = client.post("/v1/articles", content=b'{"id": ', headers={**NEWSROOM, "content-type": "application/json"})
    assert response.status_code == 422 and "invalid JSON" in response.json()["problems"][0]["message"]


def test_only_json_is_accepted(client: TestClient) -> None:
    response = client.post(
        "/v1/articles", content=b"<article/>", headers={**NEWSROOM, "content-type": "application/xml"}
    )
    assert response.status_code == 422


def test_oversized_request_is_413(client: TestClient, monkeypatch: object) -> None:
    body = json.dumps(article(body_html="<p>" + "x" * (9 * 1024 * 1024) + "</p>"))
    response = client.post("/v1/articles", content=body, headers={**NEWSROOM, "content-type": "application/json"})
    assert response.status_code == 413


def test_oversized_article_within_request_limit_is_413(client: TestClient) -> None:
    body = json.dumps(article(body_html="<p>" + "x" * 2_000_000 + "</p>"))
    response = client.post("/v1/articles", content=body, headers={**NEWSROOM, "content-type": "application/json"})
    assert response.status_code == 413 and "limit is 1000000 bytes" in response.text


def test_batch_and_ndjson(client: TestClient) -> None:
    batch = client.post("/v1/articles", json=[article(id="b-1"), article(id="b-2")], headers=NEWSROOM)
    assert batch.status_code == 201 and [r["outcome"] for r in batch.json()] == ["created", "created"]
    lines = "\n".join(json.dumps(article(id=f"n-{i}")) for i in range(3))
    nd = client.post("/v1/articles", content=lines, headers={**NEWSROOM, "content-type": "application/x-ndjson"})
    assert nd.status_code == 201 and len(nd.json()) == 3


def test_credentials(client: TestClient) -> None:
    assert client.post("/v1/articles", json=article()).status_code == 401
    assert client.post("/v1/articles", json=article(), headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/v1/articles", json=article(), headers=EDITOR).status_code == 403


def test_schema_route_serves_the_model_schema(client: TestClient) -> None:
    response = client.get("/v1/schema/article")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    assert "published_at" in response.json()["properties"]


def test_script_and_control_characters_are_cleaned_and_the_feed_stays_valid(client: TestClient) -> None:
    dirty = article(headline="Erbil\x0b water\x00", body_html='<p onclick="x()">Body\x1f<script>alert(1)</script></p>')
    assert client.post("/v1/articles", json=dirty, headers=NEWSROOM).status_code == 201
    for path, ctype in (("/feeds/en/rss.xml", "application/rss+xml"), ("/feeds/en/atom.xml", "application/atom+xml")):
        body = client.get(path).content
        parsed = parse_feed(body, ctype)
        assert parsed.entries[0].title == "Erbil water"
        assert b"&lt;script" not in body and b"<script" not in body and b"onclick" not in body


def stored_ids(client: TestClient, *ids: str) -> list[str]:
    return [i for i in ids if client.get(f"/v1/articles/{i}", headers=EDITOR).status_code == 200]


def test_a_batch_with_a_conflict_is_409_and_stores_nothing(client: TestClient) -> None:
    assert client.post("/v1/articles", json=article(id="x-1"), headers=NEWSROOM).status_code == 201
    answer = client.post(
        "/v1/articles", json=[article(id="x-2"), article(id="x-1", headline="Other")], headers=NEWSROOM
    )
    assert answer.status_code == 409, answer.text
    assert "[1]: version 1 of 'x-1'" in answer.text
    assert stored_ids(client, "x-1", "x-2") == ["x-1"], "the batch was stored half-way"
    parsed = parse_feed(client.get("/feeds/en/rss.xml").content, "application/rss+xml")
    assert [e.title for e in parsed.entries] == [article()["headline"]]


def test_a_batch_withdrawing_an_unknown_article_is_422_and_stores_nothing(client: TestClient) -> None:
    withdrawal = {"id": "unknown-1", "version": 2, "status": "withdrawn"}
    answer = client.post("/v1/articles", json=[article(id="x-3"), withdrawal], headers=NEWSROOM)
    assert answer.status_code == 422, answer.text
    assert answer.json()["problems"] == [{"field": "[1]: id", "message": "cannot withdraw unknown article 'unknown-1'"}]
    assert stored_ids(client, "x-3") == []
    lines = "\n".join(json.dumps(d) for d in (article(id="x-3"), withdrawal))
    nd = client.post("/v1/articles", content=lines, headers={**NEWSROOM, "content-type": "application/x-ndjson"})
    assert nd.status_code == 422 and stored_ids(client, "x-3") == []
