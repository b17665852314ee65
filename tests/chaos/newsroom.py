"""A newsroom's burst for chaos tests, and the checks that nothing was lost or doubled.

Newsroom articles in English, each machine-translated into Sorani and Arabic
by a LibreTranslate-compatible server on 127.0.0.1 and published at once
(policy ``publish: machine``); some get a correction, some are under an
embargo that lifts a few seconds into the burst. Two partners receive pushes
on real endpoints that verify Standard Webhooks signatures and keep one copy
per ``webhook-id``. After the chaos:

- every feed, in Atom, RSS and JSON Feed, walked from its subscription
  document through its RFC 5005 archive pages (``prev-archive``; JSON Feed's
  ``next_url``), shows every article that belongs to it exactly once, in its
  current version, and the three formats page alike;
- every partner endpoint processed every version in the partner's sequence
  exactly once (one ``webhook-id`` per version, no version under two ids),
  the current version of every article it is entitled to among them, and
  nothing else: no version outside its languages and sections, no embargoed
  story before its embargo lifted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from bench.corpus import articles
from syndicate.api.app import create_app
from syndicate.feeds.families import feeds_for
from syndicate.partners import service
from syndicate.partners.entitlement import subscribed
from syndicate.partners.spec import PartnerCreate
from syndicate.partners.tables import DELIVERED, Delivery, Partner, PartnerItem
from syndicate.partners.webhook import new_secret
from syndicate.pipeline.outbox import unit_of_work
from syndicate.pipeline.run import InlineDispatcher
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.storage.models import Article, ArticleVersion, Feed, Payload
from syndicate.storage.types import utcnow
from syndicate.translation.tables import TranslationJob
from tests.chaos.conftest import Cluster
from tests.partners.endpoint import PartnerEndpoint, running
from tests.translation.providers import LibreTranslateServer

ATOM = "{http://www.w3.org/2005/Atom}"
EMBARGO_SECONDS = 5  # lifts while the burst is still being worked through
TARGETS = ("ckb", "ar")
PARTNERS: dict[str, dict[str, Any]] = {
    "wire": {"languages": ["en", "ckb"], "push_format": "ninjs", "formats": ["ninjs"]},
    "regional": {
        "languages": ["ar", "en"],
        "sections": ["kurdistan", "iraq", "syria"],
        "push_format": "newsml",
        "formats": ["newsml"],
    },
}


def translation_settings(translator_url: str) -> dict[str, str]:
    return {
        "SYNDICATE_TRANSLATION_POLICY": json.dumps({"targets": list(TARGETS), "publish": "machine"}),
        "SYNDICATE_TRANSLATION_ROUTES": json.dumps({"*": ["memory", "libretranslate"]}),
        "SYNDICATE_TRANSLATION_LIBRETRANSLATE": json.dumps(
            {"url": translator_url, "timeout_seconds": 10, "language_codes": {"ckb": "ckb"}}
        ),
        "SYNDICATE_TRANSLATION_BACKOFF_SECONDS": "0.05",
        "SYNDICATE_PUSH_BACKOFF_SECONDS": "0.5",
        "SYNDICATE_PUSH_BACKOFF_MAX_SECONDS": "2",
        "SYNDICATE_PUSH_TIMEOUT_SECONDS": "5",
    }


@dataclass
class Newsroom:
    """The outside world of one chaos test: a translator and two partner endpoints."""

    translator: LibreTranslateServer
    endpoints: dict[str, PartnerEndpoint]
    docs: list[dict[str, Any]] = field(default_factory=list)

    def settings(self) -> dict[str, str]:
        return translation_settings(self.translator.url)

    def add_partners(self, cluster: Cluster) -> None:
        db, settings = cluster.db(), cluster.settings()
        for name, spec in PARTNERS.items():
            with unit_of_work(db, InlineDispatcher(db, settings), settings.step_deadline_seconds) as uow:
                create = PartnerCreate(
                    name=name, webhook_url=self.endpoints[name].url, allow_private_webhook=True, **spec
                )
                _, secret, _ = service.create(uow, settings, create)
            assert secret
            self.endpoints[name].secret = secret

    def publish(self, cluster: Cluster, n: int) -> None:
        """``n`` English articles (every tenth under a short embargo), then a correction of every eighth one."""
        from workers.dispatch import dispatcher

        first = list(articles(n, languages=("en",), prefix="chaos", paragraphs=3))
        lift = (utcnow() + timedelta(seconds=EMBARGO_SECONDS)).isoformat()
        for doc in first[5::10]:
            doc["embargo_until"] = lift
        corrections = [
            {
                **doc,
                "version": 2,
                "status": "corrected",
                "headline": doc["headline"] + " (corrected)",
                "correction_note": "An earlier version misstated the date.",
            }
            for doc in first[::8]
        ]
        self.docs = first + corrections
        sources = [Source(d["id"], d, 4000) for d in self.docs]
        results = ingest_sources(cluster.db(), dispatcher(), cluster.settings(), sources)
        assert all(r.changed for r in results)

    def expected_versions(self) -> dict[str, int]:
        """Newsroom id -> the version it must end at (translations follow their source)."""
        final: dict[str, int] = {}
        for doc in self.docs:
            final[doc["id"]] = max(final.get(doc["id"], 0), doc["version"])
        return final


@pytest.fixture
def newsroom() -> Iterator[Newsroom]:
    httpd = HTTPServer(host="127.0.0.1", threaded=True)
    httpd.start()
    translator = LibreTranslateServer(httpd, prefix="/libre").install()
    try:
        with running(PartnerEndpoint(new_secret())) as wire, running(PartnerEndpoint(new_secret())) as regional:
            yield Newsroom(translator, {"wire": wire, "regional": regional})
    finally:
        httpd.stop()


# --- the checks ------------------------------------------------------------------------------


def check_stored(cluster: Cluster, newsroom: Newsroom) -> dict[int, ArticleVersion]:
    """Every newsroom article at its final version, each translated into every target; one payload per format."""
    final = newsroom.expected_versions()
    with cluster.db().read() as session:
        stored = {a.newsroom_id: a for a in session.scalars(select(Article))}
        for newsroom_id, version in final.items():
            assert stored[newsroom_id].current_version == version, newsroom_id
            for target in TARGETS:
                translated = stored.get(f"{newsroom_id}.{target}")
                assert translated is not None and translated.released, f"{newsroom_id} has no {target} version"
        assert len(stored) == len(final) * (1 + len(TARGETS))
        assert not session.scalar(select(func.count()).where(TranslationJob.state == "queued"))
        unprocessed = select(func.count()).where(ArticleVersion.processed_at.is_(None))
        assert not session.scalar(unprocessed.select_from(ArticleVersion))
        doubled = session.execute(
            select(Payload.version_id, Payload.format)
            .group_by(Payload.version_id, Payload.format)
            .having(func.count() > 1)
        ).all()
        assert not doubled, f"payloads built twice: {doubled[:5]}"
        current = {
            v.article_id: v
            for v in session.scalars(
                select(ArticleVersion)
                .join(Article, Article.id == ArticleVersion.article_id)
                .where(ArticleVersion.version == Article.current_version)
            )
        }
        assert len(current) == len(stored)
        return current


FILES = {"atom": "atom.xml", "rss": "rss.xml", "json": "feed.json"}
Entries = list[tuple[str, str]]  # (newsroom id, title) per entry, in document order


def _parse(fmt: str, body: bytes) -> tuple[Entries, str | None]:
    """A feed document's entries and its ``prev-archive`` URL, read strictly (a malformed page fails here)."""
    if fmt == "json":
        doc = json.loads(body)
        older = doc.get("next_url")  # JSON Feed pages towards older items: RFC 5005's prev-archive
        links = doc.get("_syndicate", {}).get("links", {})
        assert links.get("prev-archive") == older, f"next_url {older} but prev-archive {links.get('prev-archive')}"
        return [(str(i["id"]).rsplit(":", 1)[1], i["title"]) for i in doc["items"]], older
    root = etree.fromstring(body)
    if fmt == "atom":
        items = [(e.findtext(f"{ATOM}id") or "", e.findtext(f"{ATOM}title") or "") for e in root.iter(f"{ATOM}entry")]
        head = root
    else:
        channel = root.find("channel")
        assert channel is not None
        items = [(i.findtext("guid") or "", i.findtext("title") or "") for i in channel.iter("item")]
        head = channel  # RSS carries the RFC 5005 links as atom:link in the channel
    older = [link.get("href") for link in head.findall(f"{ATOM}link") if link.get("rel") == "prev-archive"]
    assert len(older) <= 1, f"{len(older)} prev-archive links"
    return [(i.rsplit(":", 1)[1], t) for i, t in items], (older[0] if older else None)


def _walk(client: TestClient, feeds_url: str, key: str, fmt: str) -> tuple[list[Entries], Entries]:
    """(archive pages oldest first, the subscription document's entries) of one feed in one format."""

    def get(path: str) -> tuple[Entries, str | None]:
        answer = client.get(path)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        return _parse(fmt, answer.content)

    def local(url: str) -> str:
        return "/feeds" + urlsplit(url).path.removeprefix(urlsplit(feeds_url).path)

    latest, older = get(f"/feeds/{key}/{FILES[fmt]}")
    pages: list[Entries] = []
    visited: set[str] = set()
    while older is not None:
        path = local(older)
        assert path not in visited, f"{path}: the archive links loop"
        visited.add(path)
        page, older = get(path)
        pages.append(page)
    return list(reversed(pages)), latest


def check_feeds(cluster: Cluster, current: dict[int, ArticleVersion]) -> None:
    """Each feed, in Atom, RSS and JSON Feed, shows each of its articles exactly once, in its current version."""
    settings = cluster.settings()
    expected: dict[str, dict[str, str]] = {}
    with cluster.db().read() as session:
        public = {a.id: a for a in session.scalars(select(Article).where(Article.released.is_(True)))}
        keys = set(session.scalars(select(Feed.key)))
    for article_id, article in public.items():
        version = current[article_id]
        headline = (version.rendition or {}).get("headline") or version.document["headline"]
        for ref in feeds_for(version.document):
            expected.setdefault(ref.key, {})[article.newsroom_id] = headline
    assert set(expected) <= keys, f"feeds never created: {sorted(set(expected) - keys)[:5]}"
    client = TestClient(create_app(settings))
    for key, members in sorted(expected.items()):
        walks = {}
        for fmt in FILES:
            where = f"{key} ({fmt})"
            pages, latest = walks[fmt] = _walk(client, settings.feeds_url, key, fmt)
            archived = [entry for page in pages for entry in page]
            counts = Counter(i for i, _ in archived)
            assert not [i for i, n in counts.items() if n > 1], f"{where}: an article on two archive pages"
            assert len({i for i, _ in latest}) == len(latest), f"{where}: an article twice in the current document"
            shown = dict(archived) | dict(latest)
            assert set(shown) == set(members), (
                f"{where}: missing {set(members) - set(shown)}, extra {set(shown) - set(members)}"
            )
            stale = {i: (shown[i], title) for i, title in members.items() if shown[i] != title}
            assert not stale, f"{where}: entries not in their current version: {list(stale.items())[:3]}"
            if pages:
                assert all(len(p) == settings.feed_size for p in pages), f"{where}: an archive page is not full"
        assert walks["rss"] == walks["atom"] == walks["json"], f"{key}: the formats page differently"


def _received(endpoint: PartnerEndpoint, fmt: str, authority: str) -> dict[str, tuple[str, int]]:
    """Webhook-id -> (newsroom id, version) of each message the endpoint processed."""
    seen = {}
    with endpoint.lock:
        processed = list(endpoint.processed.items())
    for webhook_id, body in processed:
        if fmt == "ninjs":
            item = json.loads(body)
            uri, version = item["uri"], int(item["version"])
        else:
            news_item = etree.fromstring(body).find(".//{http://iptc.org/std/nar/2006-10-01/}newsItem")
            assert news_item is not None
            uri, version = news_item.get("guid", ""), int(news_item.get("version", "0"))
        seen[webhook_id] = (uri.removeprefix(f"tag:{authority}:"), version)
    return seen


def check_partners(cluster: Cluster, newsroom: Newsroom, current: dict[int, ArticleVersion]) -> None:
    """Every version in a partner's sequence reached its endpoint exactly once; current versions included.

    And nothing else did: each version received is one the partner is entitled
    to (its languages and sections, at that version), and no embargoed story
    arrived before its embargo lifted.
    """
    settings = cluster.settings()
    with cluster.db().read() as session:
        articles_by_id = {a.id: a for a in session.scalars(select(Article))}
        sections = {
            (articles_by_id[v.article_id].newsroom_id, v.version): v.document["section"]
            for v in session.scalars(select(ArticleVersion))
        }
        by_newsroom_id = {a.newsroom_id: a for a in articles_by_id.values()}
        embargoed_pushes = 0
        for name, spec in PARTNERS.items():
            partner = session.scalars(select(Partner).where(Partner.name == name)).one()
            sequence = {
                (articles_by_id[i.article_id].newsroom_id, i.version)
                for i in session.scalars(select(PartnerItem).where(PartnerItem.partner_id == partner.id))
            }
            states = Counter(session.scalars(select(Delivery.state).where(Delivery.partner_id == partner.id)))
            assert set(states) == {DELIVERED}, f"{name}: deliveries {dict(states)}"
            endpoint = newsroom.endpoints[name]
            messages = _received(endpoint, spec["push_format"], settings.tag_authority)
            received = Counter(messages.values())
            doubled = {k: n for k, n in received.items() if n > 1}
            assert not doubled, f"{name}: a version arrived under two webhook-ids: {list(doubled)[:3]}"
            assert set(received) == sequence, (
                f"{name}: missing {sorted(sequence - set(received))[:3]}, extra {sorted(set(received) - sequence)[:3]}"
            )
            # Received within the entitlement, judged from the stored versions, not from the partner's sequence.
            allowed = {
                key
                for key, section in sections.items()
                if subscribed(partner, by_newsroom_id[key[0]].language, section)
            }
            outside = set(received) - allowed
            assert not outside, f"{name}: versions outside its entitlement: {sorted(outside)[:3]}"
            assert not partner.trusted_embargo
            early = [
                key
                for webhook_id, key in messages.items()
                if (lift := by_newsroom_id[key[0]].embargo_until) is not None
                and endpoint.arrived[webhook_id] < lift.timestamp()
            ]
            assert not early, f"{name}: embargoed versions pushed before the lift: {early[:3]}"
            embargoed_pushes += sum(1 for key in messages.values() if by_newsroom_id[key[0]].embargo_until)
            entitled = {
                (a.newsroom_id, a.current_version)
                for a in articles_by_id.values()
                if a.released and subscribed(partner, a.language, a.section)
            }
            assert entitled <= set(received), (
                f"{name}: current versions never pushed: {sorted(entitled - set(received))[:3]}"
            )
            assert all(r.verified for r in endpoint.receipts), f"{name}: a push failed signature verification"
    assert embargoed_pushes, "no embargoed story was pushed: the embargo check proved nothing"


def check_everything(cluster: Cluster, newsroom: Newsroom) -> None:
    current = check_stored(cluster, newsroom)
    check_feeds(cluster, current)
    check_partners(cluster, newsroom, current)
