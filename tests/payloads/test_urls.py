"""Payload builders write URIs even when a stored document holds a raw URL (a version stored before ingest
normalised URLs): ninjs ``uri`` format checks and the NewsML-G2 ``xs:anyURI`` type both pass."""

from __future__ import annotations

import json

from lxml import etree
from sqlalchemy import select

from syndicate.pipeline.outbox import Message, NullDispatcher
from syndicate.pipeline.run import InlineDispatcher
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import ArticleVersion, Payload
from tests.helpers import article, assert_valid_newsml, assert_valid_ninjs

RAW_MEDIA = "https://media.chira.example/a|^`b%zz.jpg"
RAW_PAGE = "https://chira.example/en/a%zz/[b]"
RAW_LICENSE = "https://licences.chira.example/by|4.0/%"


def test_raw_urls_in_a_stored_document_become_uris_in_both_payloads(db: Database, settings: Settings) -> None:
    ingest_sources(db, NullDispatcher(), settings, [Source("a", article(), 1000)])
    with db.transaction() as session:
        version = session.scalars(select(ArticleVersion)).one()
        doc = json.loads(json.dumps(version.document))
        doc["canonical_url"] = RAW_PAGE
        doc["media"][0].update(url=RAW_MEDIA, partner_redistribution=True)
        doc["rights"] = {"license_url": RAW_LICENSE}
        version.document = doc
        version_id = version.id
    InlineDispatcher(db, settings).send([Message("process", version_id)])
    with db.read() as session:
        bodies = {p.format: p.body for p in session.scalars(select(Payload).where(Payload.version_id == version_id))}
    ninjs = assert_valid_ninjs(bodies["ninjs"])
    assert ninjs["associations"][0]["uri"] == "https://media.chira.example/a%7C%5E%60b%25zz.jpg"
    assert ninjs["renditions"][0]["href"] == "https://chira.example/en/a%25zz/%5Bb%5D"
    tree = assert_valid_newsml(bodies["newsml"])
    hrefs = {e.get("href") for e in tree.iter() if isinstance(e.tag, str) and e.get("href")}
    assert {
        "https://media.chira.example/a%7C%5E%60b%25zz.jpg",
        "https://chira.example/en/a%25zz/%5Bb%5D",
        "https://licences.chira.example/by%7C4.0/%25",
    } <= hrefs
    assert not any(raw in etree.tostring(tree, encoding="unicode") for raw in (RAW_MEDIA, RAW_PAGE, RAW_LICENSE))
