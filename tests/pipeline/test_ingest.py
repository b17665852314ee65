"""Ingest semantics on SQLite and PostgreSQL: versions, duplicates, order, atomicity, the outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from syndicate.errors import Conflict, ValidationFailed
from syndicate.pipeline.ingest import Outcome
from syndicate.pipeline.outbox import NullDispatcher
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, FeedEntry, OutboxMessage
from tests.helpers import article


def ingest(db: Database, settings: Settings, *docs: dict) -> list:
    sources = [Source(f"doc{i}", d, 100) for i, d in enumerate(docs)]
    return ingest_sources(db, NullDispatcher(), settings, sources)


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_new_article_is_stored_with_its_outbox_row(db: Database, settings: Settings) -> None:
    [result] = ingest(db, settings, article())
    assert result.outcome == Outcome.created
    with db.read() as session:
        version = session.scalars(select(ArticleVersion)).one()
        rows = session.scalars(select(OutboxMessage)).all()
    assert [(r.step, r.subject_id, r.status) for r in rows] == [("process", version.id, "pending")]


def test_same_version_again_is_a_no_op_that_says_so(db: Database, settings: Settings) -> None:
    ingest(db, settings, article())
    [again] = ingest(db, settings, article())
    assert again.outcome == Outcome.unchanged and "nothing to do" in again.message
    assert count(db, ArticleVersion) == 1 and count(db, OutboxMessage) == 1


def test_same_version_with_other_content_is_a_conflict(db: Database, settings: Settings) -> None:
    ingest(db, settings, article())
    with pytest.raises(Conflict):
        ingest(db, settings, article(headline="Something else"))
    assert count(db, ArticleVersion) == 1


def test_older_version_after_newer_is_ignored_and_reported(db: Database, settings: Settings) -> None:
    ingest(db, settings, article(version=3, status="corrected", correction_note="Fixed a figure."))
    [late] = ingest(db, settings, article(version=2, headline="An old headline"))
    assert late.outcome == Outcome.ignored_older and "older than stored version 3" in late.message
    with db.read() as session:
        stored = session.scalars(select(Article)).one()
        assert stored.current_version == 3
        assert [v.version for v in session.scalars(select(ArticleVersion))] == [3]


def test_newer_version_is_applied(db: Database, settings: Settings) -> None:
    ingest(db, settings, article())
    [update] = ingest(db, settings, article(version=2, status="corrected", headline="Corrected headline"))
    assert update.outcome == Outcome.updated
    assert count(db, ArticleVersion) == 2


def test_a_bad_document_in_a_batch_stores_nothing(db: Database, settings: Settings) -> None:
    with pytest.raises(ValidationFailed) as info:
        ingest(db, settings, article(id="good-1"), article(id="bad-1", published_at="2020-01-21T14:05:00"))
    assert [p.field for p in info.value.problems] == ["doc1: published_at"]
    assert count(db, Article) == 0 and count(db, OutboxMessage) == 0


def test_article_joins_its_feeds_at_fixed_positions(db: Database, settings: Settings) -> None:
    ingest(db, settings, article(id="a-1"), article(id="a-2"))
    with db.read() as session:
        rows = session.execute(
            select(FeedEntry.feed_id, FeedEntry.position, Article.newsroom_id).join(
                Article, Article.id == FeedEntry.article_id
            )
        ).all()
    by_feed: dict[int, list[tuple[int, str]]] = {}
    for feed_id, position, newsroom_id in rows:
        by_feed.setdefault(feed_id, []).append((position, newsroom_id))
    # language, section, two tags and one author: five feeds, positions 1 and 2 in each
    assert len(by_feed) == 5
    assert all(sorted(v) == [(1, "a-1"), (2, "a-2")] for v in by_feed.values())


def test_embargoed_article_joins_no_feed(db: Database, settings: Settings) -> None:
    ingest(db, settings, article(embargo_until="2999-01-01T00:00:00+00:00"))
    assert count(db, FeedEntry) == 0
    with db.read() as session:
        assert session.scalars(select(Article)).one().released is False


def test_withdrawal_leaves_every_feed_in_every_language(db: Database, settings: Settings) -> None:
    ingest(
        db,
        settings,
        article(id="s-en"),
        article(id="s-ckb", language="ckb", translation_of="s-en", headline="سەردێڕ", body_html="<p>دەق</p>"),
    )
    assert count(db, FeedEntry) > 0
    [result] = ingest(db, settings, {"id": "s-en", "version": 2, "status": "withdrawn", "reason": "legal"})
    assert result.outcome == Outcome.withdrawn
    assert count(db, FeedEntry) == 0
    with db.read() as session:
        assert all(a.withdrawn and not a.released for a in session.scalars(select(Article)))
