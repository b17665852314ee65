"""Lifecycle: corrections reach everyone who had the story, withdrawals cancel it everywhere, late subscribers
start from the current version, and links to other language versions are current when a partner reads."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from syndicate.languages.i18n import gettext
from syndicate.partners.sequence import DELIVER
from syndicate.partners.spec import PartnerUpdate
from syndicate.pipeline.outbox import Message, unit_of_work
from syndicate.pipeline.run import InlineDispatcher, run_step
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion
from tests.helpers import article, assert_valid_newsml, assert_valid_ninjs
from tests.partners.endpoint import PartnerEndpoint
from tests.partners.support import add_partner, deliveries, publish, sequence

CKB = {
    "language": "ckb",
    "headline": "پرۆژەی ئاوی هەولێر",
    "body_html": "<p>وێستگەی نوێی پاڵاوتنی ئاو.</p>",
    "canonical_url": "https://chira.example/ckb/kurdistan/1/ئاو",
}


def seq_of(db: Database, partner: str) -> list[tuple[int, int, str]]:
    with db.read() as session:
        ids = dict(session.execute(select(Article.id, Article.newsroom_id)).all())
    return [(i.seq, i.version, f"{ids[i.article_id]}:{i.kind}") for i in sequence(db, partner)]


def change(db: Database, settings: Settings, name: str, **fields: object) -> None:
    from syndicate.partners import service

    with unit_of_work(db, InlineDispatcher(db, settings), settings.step_deadline_seconds) as uow:
        service.change(uow, settings, name, PartnerUpdate(**fields))


def test_correction_reaches_everyone_who_received_the_story(
    db: Database, settings: Settings, endpoint: PartnerEndpoint
) -> None:
    add_partner(db, settings, "kurdistan-desk", sections=["kurdistan"])
    add_partner(db, settings, "everything")
    publish(db, settings, article(id="s-1"))
    # The desk narrows its subscription; it still had the story, so the correction must reach it.
    change(db, settings, "kurdistan-desk", sections=["politics"])
    _, secret = add_partner(db, settings, "late", webhook_url=endpoint.url, allow_private_webhook=True)
    endpoint.secret = secret or ""
    publish(db, settings, article(id="s-1", version=2, status="corrected", correction_note="Date fixed."))

    assert seq_of(db, "kurdistan-desk") == [(1, 1, "s-1:new"), (2, 2, "s-1:correction")]
    assert seq_of(db, "everything") == [(1, 1, "s-1:new"), (2, 2, "s-1:correction")]
    # A partner subscribed after the first version gets the current version only.
    assert seq_of(db, "late") == [(1, 2, "s-1:correction")]
    [receipt] = endpoint.receipts
    item = assert_valid_ninjs(json.loads(receipt.body))
    assert item["version"] == "2" and "Date fixed." in item["ednote"]


def test_withdrawal_cancels_every_language_version_for_those_who_had_it(
    db: Database, settings: Settings, endpoint: PartnerEndpoint
) -> None:
    add_partner(db, settings, "english", languages=["en"])
    _, secret = add_partner(
        db, settings, "both", languages=["en", "ckb"], formats=["newsml"], webhook_url=endpoint.url,
        allow_private_webhook=True,
    )  # fmt: skip
    endpoint.secret = secret or ""
    add_partner(db, settings, "kurmanji", languages=["kmr"])
    publish(db, settings, article(id="w-1"), article(id="w-1-ckb", translation_of="w-1", **CKB))
    add_partner(db, settings, "latecomer", languages=["en"])
    publish(db, settings, {"id": "w-1", "version": 2, "status": "withdrawn", "reason": "legal"})

    assert seq_of(db, "english") == [(1, 1, "w-1:new"), (2, 2, "w-1:withdrawal")]
    assert sorted(s[2] for s in seq_of(db, "both")) == [
        "w-1-ckb:new",
        "w-1-ckb:withdrawal",
        "w-1:new",
        "w-1:withdrawal",
    ]
    assert seq_of(db, "kurmanji") == [] and seq_of(db, "latecomer") == []
    pushed = [assert_valid_newsml(r.body) for r in endpoint.receipts]
    ns = {"g": "http://iptc.org/std/nar/2006-10-01/"}
    statuses = sorted(
        (t.find(".//g:newsItem", ns).get("guid").rsplit(":", 1)[1], t.find(".//g:pubStatus", ns).get("qcode"))
        for t in pushed
    )
    assert statuses == [
        ("w-1", "stat:canceled"),
        ("w-1", "stat:usable"),
        ("w-1-ckb", "stat:canceled"),
        ("w-1-ckb", "stat:usable"),
    ]
    canceled = [t for t in pushed if t.find(".//g:pubStatus", ns).get("qcode") == "stat:canceled"]
    assert all(t.find(".//g:contentSet", ns) is None for t in canceled), "a takedown carries no content"
    assert all(d.state == "delivered" for d in deliveries(db))


def test_backfill_gives_a_new_partner_current_versions_only(db: Database, settings: Settings) -> None:
    publish(db, settings, article(id="b-1"), article(id="b-2", section="politics"))
    publish(db, settings, article(id="b-1", version=2, status="corrected", correction_note="Spelling."))
    add_partner(db, settings, "fresh", sections=["kurdistan"], backfill=10)
    assert seq_of(db, "fresh") == [(1, 2, "b-1:correction")]


def test_an_older_version_never_follows_a_newer_one(db: Database, settings: Settings) -> None:
    """Steps can run out of order on many workers: the sequence still never goes back in versions."""
    from syndicate.pipeline.outbox import NullDispatcher
    from syndicate.pipeline.service import Source, ingest_sources

    add_partner(db, settings, "alpha")
    docs = [article(id="o-1"), article(id="o-1", version=2, headline="Updated headline")]
    ingest_sources(db, NullDispatcher(), settings, [Source(str(i), d, 100) for i, d in enumerate(docs)])
    with db.read() as session:
        v1, v2 = session.scalars(select(ArticleVersion.id).order_by(ArticleVersion.version)).all()
    null = NullDispatcher()
    for step, ids in (("process", [v1, v2]), ("payload", [v2]), ("payload", [v1])):
        run_step(db, null, settings, step, ids)
    assert seq_of(db, "alpha") == [(1, 2, "o-1:new")]


def test_links_to_translations_published_later(db: Database, settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from syndicate.api.app import create_app
    from tests.partners.support import issue_key

    add_partner(db, settings, "alpha", languages=["en", "ckb"], formats=["ninjs", "newsml"])
    key = {"Authorization": f"Bearer {issue_key(db, 'alpha')}"}
    client = TestClient(create_app(settings))
    publish(db, settings, article(id="l-1"))
    before = client.get("/v1/partner/items/l-1", headers=key)
    assert not [a for a in before.json().get("associations", []) if a["name"].startswith("translation")]

    publish(db, settings, article(id="l-1-ckb", translation_of="l-1", **CKB))
    after = client.get("/v1/partner/items/l-1", headers=key)
    assert after.headers["ETag"] != before.headers["ETag"]
    [link] = [a for a in assert_valid_ninjs(after.json())["associations"] if a["name"].startswith("translation")]
    assert link["language"] == "ckb" and link["uri"] == "tag:chira.example,2020:l-1-ckb"
    g2 = assert_valid_newsml(client.get("/v1/partner/items/l-1", params={"format": "newsml"}, headers=key).content)
    ns = {"g": "http://iptc.org/std/nar/2006-10-01/", "x": "http://www.w3.org/XML/1998/namespace"}
    [other] = [el for el in g2.iterfind(".//g:itemMeta/g:link", ns) if el.get("residref")]
    assert other.get("{http://www.w3.org/XML/1998/namespace}lang") == "ckb" and other.get("dir") == "rtl"
    back = assert_valid_ninjs(client.get("/v1/partner/items/l-1-ckb", headers=key).json())
    assert [a["language"] for a in back["associations"] if a["name"].startswith("translation")] == ["en"]


def test_machine_translation_note(db: Database, settings: Settings) -> None:
    from syndicate.partners import pull, service

    add_partner(db, settings, "alpha", languages=["en", "ckb"], formats=["ninjs", "newsml"])
    publish(db, settings, article(id="m-1"), article(id="m-1-ckb", translation_of="m-1", **CKB))
    with db.transaction() as session:
        source = session.scalar(select(Article.id).where(Article.newsroom_id == "m-1"))
        session.execute(
            update(Article)
            .where(Article.newsroom_id == "m-1-ckb")
            .values(machine_translated=True, origin="translation", source_article_id=source)
        )
        translation = select(Article.id).where(Article.newsroom_id == "m-1-ckb").scalar_subquery()
        session.execute(
            update(ArticleVersion).where(ArticleVersion.article_id == translation).values(machine_translated=True)
        )
    with db.read() as session:
        partner = service.find(session, "alpha")
        ninjs, _ = pull.item(session, settings, partner, "m-1-ckb", version=None, fmt="ninjs")
        g2, _ = pull.item(session, settings, partner, "m-1-ckb", version=None, fmt="newsml")
        original, _ = pull.item(session, settings, partner, "m-1", version=None, fmt="ninjs")
    # In the reader's language (Sorani here), from the catalogs.
    note = gettext("ckb", "Machine-translated from {language}; not yet reviewed by an editor").format(
        language=gettext("ckb", "English")
    )
    assert note in assert_valid_ninjs(ninjs.body)["ednote"]
    tree = assert_valid_newsml(g2.body)
    notes = tree.findall(".//{http://iptc.org/std/nar/2006-10-01/}edNote")
    assert [n.text for n in notes] == [note] and notes[0].get("dir") == "rtl"
    assert "ednote" not in assert_valid_ninjs(original.body)


def test_deliver_messages_are_owed_in_the_outbox(db: Database, settings: Settings, endpoint: PartnerEndpoint) -> None:
    """A push survives a lost broker message: its outbox row stays owed until the delivery finishes."""
    from syndicate.pipeline.outbox import NullDispatcher
    from syndicate.pipeline.service import Source, ingest_sources
    from syndicate.storage.models import OutboxMessage
    from tests.partners.support import sweep_until, terminal

    _, secret = add_partner(db, settings, "alpha", webhook_url=endpoint.url, allow_private_webhook=True)
    endpoint.secret = secret or ""
    ingest_sources(db, NullDispatcher(), settings, [Source("a", article(id="lost-1"), 100)])
    # Every message is lost: the sweeper finds what is owed once it is due.
    with db.transaction() as session:
        session.execute(update(OutboxMessage).values(due_at=OutboxMessage.created_at))
    sweep_until(db, settings, lambda: bool(deliveries(db)) and terminal(db)())
    [delivery] = deliveries(db)
    assert delivery.state == "delivered" and len(endpoint.processed) == 1
    with db.read() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == Message(DELIVER, delivery.id).key)).one()
    assert row.status == "done"
