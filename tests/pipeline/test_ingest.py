"""Ingest semantics on SQLite and PostgreSQL: versions, duplicates, order, atomicity, the outbox."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from syndicate.errors import Conflict, TooLarge, ValidationFailed
from syndicate.pipeline.ingest import Outcome
from syndicate.pipeline.outbox import Message, NullDispatcher
from syndicate.pipeline.service import Source, ingest_in_batches, ingest_sources
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database, get_database
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
    ingest(db, settings, article(embargo_until="2099-01-01T00:00:00+00:00"))
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


# --- a batch is all-or-nothing -----------------------------------------------------------------


class Spy:
    """A dispatcher that records what it was asked to send, one list per send."""

    def __init__(self) -> None:
        self.sends: list[list[Message]] = []

    def send(self, messages: Sequence[Message]) -> None:
        self.sends.append(list(messages))


def newsroom_ids(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(session.scalars(select(Article.newsroom_id)))


def test_a_conflict_later_in_a_batch_stores_nothing_and_sends_nothing(db: Database, settings: Settings) -> None:
    ingest(db, settings, article(id="x-1"))
    outbox = count(db, OutboxMessage)
    spy = Spy()
    sources = [Source("[0]", article(id="x-2"), 100), Source("[1]", article(id="x-1", headline="Other"), 100)]
    with pytest.raises(Conflict) as info:
        ingest_sources(db, spy, settings, sources)
    assert str(info.value).startswith("[1]: version 1 of 'x-1' is already stored with different content")
    assert newsroom_ids(db) == ["x-1"], "x-2 was stored although its batch was refused"
    assert count(db, ArticleVersion) == 1 and count(db, OutboxMessage) == outbox and count(db, FeedEntry) == 5
    assert spy.sends == []


def test_withdrawing_an_unknown_article_in_a_batch_stores_nothing(db: Database, settings: Settings) -> None:
    spy = Spy()
    sources = [
        Source("[0]", article(id="x-3"), 100),
        Source("[1]", {"id": "nope", "version": 2, "status": "withdrawn"}, 50),
    ]
    with pytest.raises(ValidationFailed) as info:
        ingest_sources(db, spy, settings, sources)
    assert [str(p) for p in info.value.problems] == ["[1]: id: cannot withdraw unknown article 'nope'"]
    assert newsroom_ids(db) == [] and count(db, OutboxMessage) == 0 and count(db, FeedEntry) == 0
    assert spy.sends == []


def test_a_language_that_contradicts_the_stored_article_refuses_the_batch(db: Database, settings: Settings) -> None:
    ingest(db, settings, article(id="x-4"))
    with pytest.raises(ValidationFailed) as info:
        ingest(db, settings, article(id="x-5"), article(id="x-4", version=2, language="ar", headline="عنوان"))
    assert [p.field for p in info.value.problems] == ["doc1: language"]
    assert newsroom_ids(db) == ["x-4"] and count(db, ArticleVersion) == 1


def test_a_good_batch_is_one_commit_and_one_send(db: Database, settings: Settings) -> None:
    spy = Spy()
    results = ingest_sources(db, spy, settings, [Source(f"[{i}]", article(id=f"g-{i}"), 100) for i in range(3)])
    assert [r.outcome for r in results] == [Outcome.created] * 3
    [sent] = spy.sends
    with db.read() as session:
        versions = sorted(session.scalars(select(ArticleVersion.id)))
    assert sorted(m.subject_id for m in sent if m.step == "process") == versions


def test_versions_of_one_article_inside_one_batch_apply_in_order(db: Database, settings: Settings) -> None:
    results = ingest(
        db, settings, article(id="v-1"), article(id="v-1", version=2, headline="Second"), article(id="v-1")
    )
    assert [r.outcome for r in results] == [Outcome.created, Outcome.updated, Outcome.ignored_older]
    with db.read() as session:
        assert session.scalars(select(Article)).one().current_version == 2


# --- the CLI's batches: any number of documents, stored max_batch_items at a time -------------------


@pytest.fixture
def small_batches(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SYNDICATE_MAX_BATCH_ITEMS", "2")
    reset_settings()
    return get_settings()


def test_more_documents_than_the_batch_limit_are_stored_in_batches(db: Database, small_batches: Settings) -> None:
    spy = Spy()
    sources = [Source(f"f{i}", article(id=f"m-{i}"), 100) for i in range(5)]
    with pytest.raises(TooLarge):
        ingest_sources(db, spy, small_batches, sources)  # one request: the limit holds
    results = ingest_in_batches(db, spy, small_batches, sources)
    assert [r.outcome for r in results] == [Outcome.created] * 5
    # Three transactions (2 + 2 + 1), each sending its own steps after its commit.
    assert [sorted({m.subject_id for m in s if m.step == "process"}) for s in spy.sends] == [[1, 2], [3, 4], [5]]


def test_an_invalid_document_anywhere_stores_no_batch(db: Database, small_batches: Settings) -> None:
    sources = [Source(f"f{i}", article(id=f"n-{i}"), 100) for i in range(4)]
    sources.append(Source("f4", article(id="n-4", published_at="2020-01-21T14:05:00"), 100))
    with pytest.raises(ValidationFailed) as info:
        ingest_in_batches(db, Spy(), small_batches, sources)
    assert [p.field for p in info.value.problems] == ["f4: published_at"]
    assert newsroom_ids(db) == []


def test_a_conflict_stops_at_its_batch_and_says_what_was_stored(db: Database, small_batches: Settings) -> None:
    ingest(db, small_batches, article(id="c-0"))
    docs = [article(id="c-1"), article(id="c-2"), article(id="c-3"), article(id="c-0", headline="Other")]
    with pytest.raises(Conflict) as info:
        ingest_in_batches(db, Spy(), small_batches, [Source(f"f{i}", d, 100) for i, d in enumerate(docs)])
    assert "f3: version 1 of 'c-0'" in str(info.value)
    assert "the first 2 of 4 documents were stored" in str(info.value)
    assert newsroom_ids(db) == ["c-0", "c-1", "c-2"], "the refused batch (c-3, c-0) was stored in part"


# --- concurrent batches on PostgreSQL ------------------------------------------------------------


@pytest.mark.postgres
def test_concurrent_batches_in_opposite_orders_all_succeed(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writers creating the same articles in opposite orders collide (unique index, deadlock): the loser
    stores its whole batch again and finds it already stored."""
    monkeypatch.setenv("SYNDICATE_DATABASE_URL", pg_url)
    reset_settings()
    db, settings = get_database(), get_settings()
    errors: list[BaseException] = []
    rounds = 15

    def writer(reverse: bool) -> None:
        try:
            for n in range(rounds):
                docs = [article(id=f"r{n}-{i}") for i in range(6)]
                ingest(db, settings, *(reversed(docs) if reverse else docs))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(reverse,)) for reverse in (False, True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert count(db, Article) == rounds * 6 and count(db, ArticleVersion) == rounds * 6
