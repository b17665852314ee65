"""The export folder holds committed documents only, exactly the stored ones, written after the commit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from syndicate.feeds.export import export_feed
from syndicate.feeds.steps import EXPORT, SITE_DOCUMENTS
from syndicate.pipeline import hooks
from syndicate.pipeline.outbox import Message
from syndicate.pipeline.sweeper import resend_overdue
from syndicate.storage.models import Feed, FeedDocument, OutboxMessage, SiteDocument
from syndicate.storage.types import utcnow
from tests.feeds.conftest import Desk, configure
from tests.helpers import article


def story(n: int) -> dict:
    return article(
        id=f"x{n}",
        headline=f"Story number {n}",
        published_at=f"2021-05-{n:02d}T10:00:00+03:00",
        canonical_url=f"https://chira.example/en/kurdistan/{n}/story-{n}",
    )


def folder(out: Path) -> dict[str, bytes]:
    """Every file in the export folder by its relative path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def stored(desk: Desk) -> dict[str, bytes]:
    """What the folder must hold: every stored document and its gzip twin."""
    from syndicate.feeds.urls import document_path

    want = {}
    with desk.db.read() as session:
        keys = {f.id: f.key for f in session.scalars(select(Feed))}
        for doc in session.scalars(select(FeedDocument)):
            path = document_path(keys[doc.feed_id], doc.format, doc.page)
            want[path], want[path + ".gz"] = doc.body, doc.gzip_body or b""
        for site in session.scalars(select(SiteDocument)):
            want[site.path], want[site.path + ".gz"] = site.body, site.gzip_body or b""
    return want


def resend(desk: Desk) -> None:
    """The sweeper, once every owed step is past its deadline; then the steps run."""
    resend_overdue(desk.db, desk.queue, desk.settings, now=utcnow() + timedelta(hours=1))
    desk.drain()


def test_the_folder_holds_exactly_the_stored_documents(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    configure(monkeypatch, export_dir=out, feed_size=2)
    desk.publish(*[story(n) for n in range(1, 8)])
    assert folder(out) == stored(desk)
    assert desk.feed("en").archived_pages == 3 and (out / "en/archive/3/atom.xml").is_file()
    with desk.db.read() as session:
        owed = session.scalars(select(OutboxMessage).where(OutboxMessage.step == EXPORT)).all()
        assert owed and {r.status for r in owed} == {"done"}
        assert SITE_DOCUMENTS in {r.subject_id for r in owed}  # the OPML list and the sitemap
    # Exporting again writes nothing: each document remembers the bytes the folder holds.
    with desk.db.transaction() as session:
        assert export_feed(session, out, desk.feed("en").id) == []


def test_archive_pages_past_the_last_leave_the_folder_when_the_page_size_grows(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    configure(monkeypatch, export_dir=out, feed_size=2)
    desk.publish(*[story(n) for n in range(1, 8)])
    assert {p.name for p in (out / "en/archive").iterdir()} == {"1", "2", "3"}
    configure(monkeypatch, export_dir=out, feed_size=3)
    desk.publish(story(8))  # 8 entries in pages of 3: two archive pages, no third one any more
    assert desk.feed("en").archived_pages == 2 and desk.document("en", "atom", 3) is None
    assert {p.name for p in (out / "en/archive").iterdir()} == {"1", "2"}
    assert folder(out) == stored(desk)  # no stale page, no stale file anywhere (section and tag feeds too)


def test_a_rebuild_that_does_not_commit_leaves_the_folder_alone(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    configure(monkeypatch, export_dir=out, feed_size=2)
    desk.publish(story(1), story(2))
    before = folder(out)
    assert before == stored(desk)

    def commit_fails(*args: object) -> None:
        raise RuntimeError("the rebuild's transaction rolls back")

    monkeypatch.setattr(hooks, "RENDERED", [*hooks.RENDERED, commit_fails])
    with pytest.raises(RuntimeError):
        desk.publish(story(3))
    assert desk.feed("en").rendered_seq < desk.feed("en").change_seq  # nothing of the rebuild committed
    assert folder(out) == before, "the folder shows bytes that were never committed"

    monkeypatch.setattr(hooks, "RENDERED", [h for h in hooks.RENDERED if h is not commit_fails])
    desk.queue.pending.clear()
    desk.queue.waiting.clear()
    resend(desk)  # the rebuild was still owed
    assert b"Story number 3" in (out / "en/atom.xml").read_bytes()
    assert folder(out) == stored(desk)


def test_a_folder_that_cannot_be_written_keeps_the_export_owed(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    out.write_text("not a folder")  # every write into it fails
    configure(monkeypatch, export_dir=out, feed_size=2)
    desk.publish(story(1), story(2))
    assert desk.document("en", "atom") is not None  # publishing and rendering went on
    with desk.db.read() as session:
        key = Message(EXPORT, desk.feed("en").id).key
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one()
        assert row.status == "pending" and row.attempts == 1 and "NotADirectoryError" in (row.last_error or "")
    out.unlink()
    resend(desk)
    assert folder(out) == stored(desk)
    with desk.db.read() as session:
        statuses = set(session.scalars(select(OutboxMessage.status).where(OutboxMessage.step == EXPORT)))
        assert statuses == {"done"}
