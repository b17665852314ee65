"""Public article URLs /{lang}/{section}/{id}/{slug}: resolved by id, old and wrong slugs redirect 301."""

from __future__ import annotations

from urllib.parse import unquote

from fastapi.testclient import TestClient

from syndicate.feeds.urls import iri_to_uri
from tests.api.conftest import NEWSROOM
from tests.helpers import article, example


def post(client: TestClient, doc: dict) -> int:
    response = client.post("/v1/articles", json=doc, headers=NEWSROOM)
    assert response.status_code in (200, 201), response.text
    return int(response.json()["article_id"])


def test_the_canonical_url_answers_with_the_localized_article(client: TestClient) -> None:
    source = post(client, example("cn-88412.en.json"))
    ckb = post(client, example("cn-88412.ckb.json"))
    path = f"/ckb/kurdistan/{ckb}/پرۆژەی-ئاوی-هەولێر-تا-هاوین-ئاو-بە-400-هەزار-هاووڵاتی"
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200, response.text
    body = response.json()
    # A newsroom article's canonical URL is the newsroom's page, declared here as it is linked everywhere.
    newsroom_page = iri_to_uri(example("cn-88412.ckb.json")["canonical_url"])
    assert body["path"] == path and body["url"] == newsroom_page
    assert body["lang"] == "ckb" and body["dir"] == "rtl"
    assert body["published_display"] == "21ی کانوونی دووەمی 2020 14:05"
    assert body["dateline"] == "هەولێر، هەرێمی کوردستان" and body["section_label"] == "کوردستان"
    assert body["body_html"].startswith('<div lang="ckb" dir="rtl">')
    assert [(a["language"], a["hreflang"]) for a in body["alternates"]] == [("en", "en")]
    assert body["alternates"][0]["path"].startswith(f"/en/kurdistan/{source}/erbil-water-project")
    assert body["alternates"][0]["url"] == example("cn-88412.en.json")["canonical_url"]
    assert response.headers["content-language"] == "ckb"
    assert response.headers["link"] == f'<{newsroom_page}>; rel="canonical"'


def test_wrong_missing_or_old_slugs_and_sections_redirect_permanently(client: TestClient) -> None:
    ckb = post(client, example("cn-88412.ckb.json"))
    canonical = client.get(f"/ckb/kurdistan/{ckb}", follow_redirects=False)
    assert canonical.status_code == 301
    location = canonical.headers["location"]
    assert location.isascii() and unquote(location).startswith(f"/ckb/kurdistan/{ckb}/پرۆژەی-ئاوی-هەولێر")
    legacy_slug = "پرۆژه\u200cی-ئاوی-هه\u200cولێر"
    for wrong in (f"/ckb/kurdistan/{ckb}/old-slug", f"/ckb/world/{ckb}/x", f"/ckb/kurdistan/{ckb}/{legacy_slug}"):
        response = client.get(wrong, follow_redirects=False)
        assert response.status_code == 301, wrong
        assert response.headers["location"] == location
    with_query = client.get(f"/ckb/kurdistan/{ckb}/old?utm_source=x", follow_redirects=False)
    assert with_query.headers["location"] == location + "?utm_source=x"
    assert client.get(f"/ckb/kurdistan/{ckb}/old").status_code == 200  # following the redirect lands


def test_a_corrected_headline_moves_the_canonical_slug(client: TestClient) -> None:
    first = article(id="u-1", headline="Erbil water plant opens")
    article_id = post(client, first)
    old = f"/en/kurdistan/{article_id}/erbil-water-plant-opens"
    assert client.get(old, follow_redirects=False).status_code == 200
    post(client, {**first, "version": 2, "status": "corrected", "headline": "Erbil water plant opens in June"})
    response = client.get(old, follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/en/kurdistan/{article_id}/erbil-water-plant-opens-in-june"


def test_unknown_ids_languages_and_shapes_are_not_found(client: TestClient) -> None:
    en = post(client, article(id="n-1"))
    assert client.get(f"/ckb/kurdistan/{en}/x").status_code == 404  # the id exists, but in English
    assert client.get("/en/kurdistan/999/x").status_code == 404
    assert client.get("/en/kurdistan/abc/x").status_code == 404
    assert client.get("/fr/kurdistan/1/x").status_code == 404
    # The other routers are not shadowed.
    assert client.get("/v1/articles/n-1", headers=NEWSROOM).status_code == 200
    assert client.get("/feeds/en/rss.xml").status_code == 200


def test_withdrawn_and_embargoed_articles(client: TestClient) -> None:
    ckb = post(client, example("cn-88412.ckb.json"))
    post(client, {"id": "cn-88412-ckb", "version": 2, "status": "withdrawn"})
    gone = client.get(f"/ckb/kurdistan/{ckb}/x", follow_redirects=False)
    assert gone.status_code == 410
    assert gone.json()["detail"] == "ئەم هەواڵە کشێنرایەوە."
    held = post(client, article(id="e-1", embargo_until="2099-01-01T00:00:00+00:00"))
    assert client.get(f"/en/kurdistan/{held}/x", follow_redirects=False).status_code == 404
