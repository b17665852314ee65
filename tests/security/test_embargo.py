"""An embargoed story leaks through no route before its embargo lifts, and appears everywhere after.

The story is processed, translated (machine drafts published at once) and
offered to partners while embargoed, so every path that could leak it has
had the chance. Before the lift, every GET route of the app is asked for it
(anonymously and with an untrusted partner's key), every stored document is
read, and the untrusted partner's endpoint is inspected: the story's marker
word and ids appear nowhere. A partner trusted with embargoed material gets it,
marked as embargoed. After the sweeper lifts the embargo, it is everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from syndicate.api.app import create_app
from syndicate.api.auth import access_of
from syndicate.pipeline.run import InlineDispatcher
from syndicate.pipeline.sweeper import sweep
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database, get_database
from syndicate.storage.models import Article, ArticleVersion, FeedDocument, SiteDocument
from syndicate.storage.types import utcnow
from tests.api.conftest import NEWSROOM
from tests.partners.endpoint import PartnerEndpoint, running
from tests.partners.support import add_partner, issue_key
from tests.security.outputs import public_outputs, pull_outputs
from tests.translation.providers import LibreTranslateServer

MARKER = "Zanzibarquux"  # appears only in the embargoed story (and its translations)
SECRET = "secret-1"


def story(newsroom_id: str, headline: str, embargo: str | None = None) -> dict:
    now = utcnow()
    doc = {
        "id": newsroom_id,
        "version": 1,
        "language": "en",
        "headline": headline,
        "standfirst": headline,
        "body_html": f"<p>{headline}. The council met on Tuesday.</p>",
        "byline": [{"name": "Aras Ahmed"}],
        "section": "kurdistan",
        "tags": ["Erbil", headline.split()[0]],
        "published_at": (now - timedelta(hours=1)).isoformat(),
        "canonical_url": f"https://chira.example/en/kurdistan/{newsroom_id}",
    }
    if embargo:
        doc["embargo_until"] = embargo
    return doc


@pytest.fixture
def translator(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    httpd = HTTPServer(host="127.0.0.1", threaded=True)
    httpd.start()
    server = LibreTranslateServer(httpd, prefix="/libre").install()
    monkeypatch.setenv("SYNDICATE_TRANSLATION_POLICY", json.dumps({"targets": ["ckb", "ar"], "publish": "machine"}))
    monkeypatch.setenv("SYNDICATE_TRANSLATION_ROUTES", json.dumps({"*": ["memory", "libretranslate"]}))
    monkeypatch.setenv(
        "SYNDICATE_TRANSLATION_LIBRETRANSLATE", json.dumps({"url": server.url, "language_codes": {"ckb": "ckb"}})
    )
    reset_settings()
    try:
        yield get_settings()
    finally:
        httpd.stop()


def leaks(text: str, secret_ids: set[str]) -> list[str]:
    found = [MARKER] if MARKER.lower() in text.lower() else []
    return found + [i for i in secret_ids if re.search(rf"(?<![\w.-]){re.escape(i)}(?![\w-])", text)]


def every_get(client: TestClient, headers: dict[str, str], values: dict[str, list[str]]) -> Iterator[tuple[str, str]]:
    """Every GET route of the app, with every value the embargoed story gives each parameter."""
    for route in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        if "GET" not in (route.methods or ()) or route.path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
            continue
        access = access_of(route)
        if access != "public" and "partner" not in {str(r) for r in access or ()}:
            continue  # staff routes: newsroom and desk may see embargoed work
        paths = [route.path]
        for name in re.findall(r"\{([^}:]+)(?::[^}]+)?\}", route.path):
            options = values.get(name, ["x"])
            paths = [re.sub(r"\{" + name + r"(?::[^}]+)?\}", v, p, count=1) for p in paths for v in options]
        for path in paths:
            answer = client.get(path, headers=headers, follow_redirects=False)
            yield path, f"{answer.status_code} {answer.headers.get('location', '')} {answer.text}"


def test_embargo_holds_on_every_route_until_it_lifts(
    client: TestClient, db: Database, translator: Settings, endpoint: PartnerEndpoint
) -> None:
    settings = translator
    client = TestClient(create_app(settings))
    embargo = utcnow() + timedelta(hours=2)
    with running(PartnerEndpoint()) as trusted_endpoint:
        _, secret = add_partner(
            db,
            settings,
            "untrusted",
            languages=["en", "ckb", "ar"],
            webhook_url=endpoint.url,
            allow_private_webhook=True,
        )
        endpoint.secret = secret or ""
        _, secret = add_partner(
            db,
            settings,
            "trusted",
            languages=["en", "ckb", "ar"],
            webhook_url=trusted_endpoint.url,
            allow_private_webhook=True,
            trusted_embargo=True,
        )
        trusted_endpoint.secret = secret or ""
        untrusted_key = issue_key(db, "untrusted")

        assert (
            client.post("/v1/articles", json=story("public-1", "Erbil opens a bridge"), headers=NEWSROOM).status_code
            == 201
        )
        embargoed = story(SECRET, f"{MARKER} report on the dam", embargo.isoformat())
        assert client.post("/v1/articles", json=embargoed, headers=NEWSROOM).status_code == 201

        with db.read() as session:
            secrets = list(session.scalars(select(Article).where(Article.newsroom_id.startswith(SECRET))))
            versions = [
                v
                for a in secrets
                for v in session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == a.id))
            ]
        # Not vacuous: the story and its translations exist, processed, just not public.
        assert sorted(a.language for a in secrets) == ["ar", "ckb", "en"]
        assert all(not a.released for a in secrets) and all(v.processed_at for v in versions)
        secret_ids = {a.newsroom_id for a in secrets}
        assert any(MARKER in r.body.decode() for r in trusted_endpoint.receipts), "the trusted partner got nothing"
        assert all(b'"embargoed"' in r.body for r in trusted_endpoint.receipts if MARKER.encode() in r.body)

        # Before the lift: nothing anywhere a reader or an untrusted partner can reach.
        problems = []
        for output in public_outputs(client, db):
            problems += [f"{output.where}: {w}" for w in leaks(output.body.decode(), secret_ids)]
        with db.read() as session:
            stored = [d.body for d in session.scalars(select(FeedDocument))] + [
                d.body for d in session.scalars(select(SiteDocument))
            ]
        problems += [f"stored document: {w}" for body in stored for w in leaks(body.decode(), secret_ids)]
        slugs = [str((v.rendition or {}).get("slug", "x")) for v in versions]
        values = {
            "newsroom_id": sorted(secret_ids),
            "article_id": [str(a.id) for a in secrets],
            "section": ["kurdistan"],
            "slug": slugs,
            "path": [
                f"{lang}/{kind}/{MARKER.lower()}/{fmt}"
                for lang in ("en", "ckb", "ar")
                for kind in ("tag",)
                for fmt in ("rss.xml", "feed.json")
            ]
            + [f"{lang}/{fmt}" for lang in ("en", "ckb", "ar") for fmt in ("rss.xml", "atom.xml", "feed.json")]
            + ["index.opml"]
            + [f"sitemaps/news-{lang}.xml" for lang in ("en", "ckb", "ar")],
        }
        for headers in ({}, {"Authorization": f"Bearer {untrusted_key}"}):
            for path, answer in every_get(client, headers, values):
                problems += [
                    f"GET {path} ({'partner' if headers else 'anonymous'}): {w}" for w in leaks(answer, secret_ids)
                ]
        for output in pull_outputs(client, untrusted_key):
            problems += [f"{output.where}: {w}" for w in leaks(output.body.decode(), secret_ids)]
        problems += [f"push {r.webhook_id}: {w}" for r in endpoint.receipts for w in leaks(r.body.decode(), secret_ids)]
        assert not problems, "\n".join(problems[:20])
        for newsroom_id in secret_ids:
            refused = client.get(
                f"/v1/partner/items/{newsroom_id}", headers={"Authorization": f"Bearer {untrusted_key}"}
            )
            assert refused.status_code == 403

        # The embargo lifts: the sweeper releases the story and its translations.
        result = sweep(get_database(), InlineDispatcher(db, settings), settings, now=embargo + timedelta(seconds=1))
        assert result.released == 3
        feed = client.get("/feeds/en/rss.xml").text
        assert MARKER in feed
        assert MARKER in client.get("/feeds/sitemaps/news-en.xml").text
        assert any(MARKER in r.body.decode() for r in endpoint.receipts), "the untrusted partner never got it"
        page = client.get(f"/v1/partner/items/{SECRET}", headers={"Authorization": f"Bearer {untrusted_key}"})
        assert page.status_code == 200 and MARKER in page.text and "embargoed" not in page.text
