"""The whole way: an English article, machine drafts in ckb/kmr/ar, the desk, and publication.

Before an editor approves, a translation appears nowhere (no feed, no
payload, no article). After approval each one is in its language's feeds and
has its own partner payload, linked to the source and to the other language
versions of the story; the English entry links to the translations too.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from syndicate.api.app import create_app
from syndicate.languages.i18n import gettext
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, Payload
from syndicate.translation.publish import translation_id
from tests.api.conftest import EDITOR, NEWSROOM
from tests.helpers import article, assert_valid_ninjs, parse_feed
from tests.partners.endpoint import PartnerEndpoint, running
from tests.partners.support import add_partner
from tests.translation.conftest import Configure, ingest, job_for
from tests.translation.providers import Provider

TRANSLATOR = {"Authorization": "Bearer translator-secret"}
# Microsoft's "ku" is Sorani and Google's "ku" is Kurmanji: both routed, each must land in the right feed.
ROUTES = {
    "en>ckb": ["memory", "microsoft", "human"],
    "en>kmr": ["memory", "google", "human"],
    "en>ar": ["memory", "openai", "human"],
}
TARGETS = ("ckb", "kmr", "ar")


def feed_titles(client: TestClient, key: str) -> list[str] | None:
    response = client.get(f"/feeds/{key}/atom.xml")
    if response.status_code == 404:
        return None
    parsed = parse_feed(response.content, response.headers["content-type"])
    return [e.title for e in parsed.entries]


def translation_payloads(db: Database) -> list[dict[str, Any]]:
    with db.read() as session:
        rows = session.execute(
            select(Payload.body)
            .join(ArticleVersion, ArticleVersion.id == Payload.version_id)
            .join(Article, Article.id == ArticleVersion.article_id)
            .where(Article.origin == "translation", Payload.format == "ninjs")
            .order_by(Article.language, ArticleVersion.version)
        )
        return [json.loads(body) for (body,) in rows]


def test_english_article_to_reviewed_translations_in_feeds_and_payloads(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure(ROUTES)
    client = TestClient(create_app(settings))
    assert client.post("/v1/articles", json=article(), headers=NEWSROOM).status_code == 201

    # Drafted by the machine each pair is routed to, with the codes that pair needs.
    assert [r["target"] for r in providers["google"].requests] == ["ku"]
    assert [r["target"] for r in providers["microsoft"].requests] == ["ku"]
    assert {r["target"] for r in providers["openai"].requests} == {"Modern Standard Arabic"}
    listing = client.get("/v1/translation/jobs", headers=TRANSLATOR).json()["jobs"]
    assert sorted((j["target_language"], j["state"], j["drafted_by"]) for j in listing) == [
        ("ar", "drafted", "machine"),
        ("ckb", "drafted", "machine"),
        ("kmr", "drafted", "machine"),
    ]

    # Before approval the translations appear nowhere.
    for lang in TARGETS:
        assert feed_titles(client, lang) is None
    assert translation_payloads(db) == []
    with db.read() as session:
        assert session.scalars(select(Article).where(Article.origin == "translation")).all() == []
    en_entry = parse_feed(client.get("/feeds/en/atom.xml").content, "application/atom+xml").entries[0]
    assert not [link for link in en_entry.links if link.get("hreflang")]

    # A translator reads the Sorani job side by side and fixes the first paragraph.
    ckb = job_for(db, "ckb")
    view = client.get(f"/v1/translation/jobs/{ckb.id}", headers=TRANSLATOR).json()
    body = next(s for s in view["segments"] if s["key"] == "body.1")
    assert body["source"] == "The Kurdistan Region's ministry said on Tuesday that a new plant will open."
    assert "<x id=" in body["source_masked"] and body["draft_origin"] == "machine:microsoft"
    assert {"source": "Kurdistan Region", "target": "هەرێمی کوردستان"} in view["terms"]
    edited = body["source_masked"].replace("ministry said on Tuesday", "وەزارەت ڕۆژی سێشەممە ڕایگەیاند")
    put = client.put(
        f"/v1/translation/jobs/{ckb.id}/segments", json={"segments": {"body.1": edited}}, headers=TRANSLATOR
    )
    assert put.status_code == 200, put.text
    assert put.json()["state"] == "in_review"
    assert client.post(f"/v1/translation/jobs/{ckb.id}/approve", headers=TRANSLATOR).status_code == 403

    # Editors approve all three.
    for lang in TARGETS:
        job = job_for(db, lang)
        approved = client.post(f"/v1/translation/jobs/{job.id}/approve", json={"note": "ok"}, headers=EDITOR)
        assert approved.status_code == 200, approved.text
        assert approved.json()["state"] == "published"
        assert approved.json()["translation"] == {
            "id": translation_id("t-1", lang),
            "version": 1,
            "machine_translated": False,
            "withdrawn": False,
        }

    # In their language feeds, restored: the protected name in its Sorani form, the number intact.
    [ckb_title] = feed_titles(client, "ckb") or []
    assert ckb_title.startswith("[ku] هەولێر water project")
    assert "400,000" in ckb_title
    assert (feed_titles(client, "kmr") or [""])[0].startswith("[ku] Hewlêr water project")
    assert (feed_titles(client, "ar") or [""])[0].startswith("[Modern Standard Arabic] أربيل water project")
    assert feed_titles(client, "ckb/section/kurdistan") == [ckb_title]
    ckb_feed = parse_feed(client.get("/feeds/ckb/atom.xml").content, "application/atom+xml")
    assert "وەزارەت ڕۆژی سێشەممە ڕایگەیاند" in ckb_feed.entries[0].content[0].value
    assert 'dir="rtl"' in ckb_feed.entries[0].content[0].value

    # The English entry now points to the three translations, and each translation to the others.
    en_entry = parse_feed(client.get("/feeds/en/atom.xml").content, "application/atom+xml").entries[0]
    assert sorted(link["hreflang"] for link in en_entry.links if link.get("hreflang")) == ["ar", "ku-Arab", "ku-Latn"]
    ckb_links = sorted(link["hreflang"] for link in ckb_feed.entries[0].links if link.get("hreflang"))
    assert ckb_links == ["ar", "en", "ku-Latn"]

    # Partner payloads: one per translation, valid ninjs, linked to the source (a payload is built
    # once per version, so the last one approved also links to the two published before it).
    payloads = {p["language"]: p for p in translation_payloads(db)}
    assert sorted(payloads) == ["ar", "ckb", "kmr"]
    for item in payloads.values():
        assert_valid_ninjs(item)
        assert item["pubstatus"] == "usable"
        linked = {a["language"]: a["uri"] for a in item["associations"] if a["name"].startswith("translation-")}
        assert linked["en"] == "tag:chira.example,2020:t-1"
    last = {a["language"] for a in payloads["ar"]["associations"] if a["name"].startswith("translation-")}
    assert last == {"en", "ckb", "kmr"}

    with db.read() as session:
        source = session.scalars(select(Article).where(Article.newsroom_id == "t-1")).one()
        translations = session.scalars(select(Article).where(Article.origin == "translation")).all()
    assert {
        (t.language, t.source_article_id, t.story_id, t.translation_of, t.machine_translated) for t in translations
    } == {(lang, source.id, source.story_id, "t-1", False) for lang in TARGETS}

    # Every move of the Sorani job is on record, with who made it.
    history = client.get(f"/v1/translation/jobs/{ckb.id}", headers=EDITOR).json()["events"]
    assert [(e["actor"], e["from"], e["to"]) for e in history] == [
        ("system", None, "queued"),
        ("backend:microsoft", "queued", "drafted"),
        ("translator-0", "drafted", "in_review"),
        ("editor-0", "in_review", "approved"),
        ("editor-0", "approved", "published"),
    ]


def test_approved_segments_join_the_memory_and_are_reused_without_a_call(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure({"en>kmr": ["memory", "google", "human"]}, translation_policy={"targets": ["kmr"]})
    client = TestClient(create_app(settings))
    client.post("/v1/articles", json=article(), headers=NEWSROOM)
    job = job_for(db, "kmr")
    assert client.post(f"/v1/translation/jobs/{job.id}/approve", headers=EDITOR).json()["state"] == "published"
    sent = len(providers["google"].texts_sent)

    # The same text in another story: every segment comes from the memory, nothing is sent.
    client.post("/v1/articles", json=article(id="t-2"), headers=NEWSROOM)
    jobs = client.get("/v1/translation/jobs?language=kmr", headers=EDITOR).json()["jobs"]
    [again] = [j for j in jobs if j["source"]["id"] == "t-2"]
    assert again["drafted_by"] == "memory"
    assert len(providers["google"].texts_sent) == sent

    # A near-identical sentence is only offered, with its score; the machine drafts it.
    changed = article(id="t-3", headline="Erbil water project to serve 400,000 residents by autumn")
    client.post("/v1/articles", json=changed, headers=NEWSROOM)
    [third] = [
        j for j in client.get("/v1/translation/jobs", headers=EDITOR).json()["jobs"] if j["source"]["id"] == "t-3"
    ]
    view = client.get(f"/v1/translation/jobs/{third['id']}", headers=EDITOR).json()
    headline = next(s for s in view["segments"] if s["key"] == "headline")
    assert headline["draft_origin"] == "machine:google"
    [match] = headline["memory"]
    assert 75 <= match["score"] < 100 and match["target"].startswith("[ku] ")
    assert providers["google"].texts_sent[-1] == headline["source_masked"]


def test_withdrawing_the_source_cancels_a_pushed_machine_translation(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure(
        {"*": ["memory", "google", "human"]},
        translation_policy={"targets": ["ar"], "publish": "machine"},
        allow_private_webhooks="true",
    )
    with running(PartnerEndpoint(secret="")) as endpoint:
        _, secret = add_partner(db, settings, "wire", languages=["ar"], webhook_url=endpoint.url, pull=False)
        assert secret is not None
        endpoint.secret = secret
        ingest(db, settings, article())
        ingest(db, settings, {"id": "t-1", "version": 2, "status": "withdrawn", "reason": "legal"})
    received = [assert_valid_ninjs(json.loads(r.body)) for r in endpoint.receipts]
    assert all(r.verified and r.status == 200 for r in endpoint.receipts)
    assert [(i["uri"].rsplit(":", 1)[-1], i["version"], i["pubstatus"]) for i in received] == [
        ("t-1.ar", "1", "usable"),
        ("t-1.ar", "2", "canceled"),
    ]
    note = gettext("ar", "Machine-translated from {language}; not yet reviewed by an editor")
    assert note.format(language=gettext("ar", "English")) in received[0]["ednote"]
    assert "bodies" not in received[1], "a cancellation carries no text"
    assert len(endpoint.processed) == 2 and len({r.webhook_id for r in endpoint.receipts}) == 2
