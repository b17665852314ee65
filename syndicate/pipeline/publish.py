"""Feed membership and visibility, decided in the transaction that changes them.

Positions in a feed are handed out here, under a row lock on the feed, so that
the order of a feed (and the contents of its archive pages) depends only on
the order in which articles became public, not on which worker ran first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from syndicate.feeds.families import FeedRef, feeds_for
from syndicate.feeds.pages import mark_positions
from syndicate.pipeline.outbox import UnitOfWork
from syndicate.storage.db import locked
from syndicate.storage.models import Article, ArticleVersion, Feed, FeedEntry
from syndicate.storage.types import utcnow

RENDER = "render"


def _insert(session: Session) -> type[Any]:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert  # type: ignore[return-value]


def feed_rows(session: Session, refs: Iterable[FeedRef]) -> dict[int, Feed]:
    """The feed rows for ``refs`` by id, created on first use (safe under concurrency)."""
    wanted = {ref.key: ref for ref in refs}
    if not wanted:
        return {}
    found = {f.key: f for f in session.scalars(select(Feed).where(Feed.key.in_(sorted(wanted))))}
    missing = sorted(set(wanted) - set(found))
    if missing:
        session.execute(
            _insert(session)(Feed)
            .values(
                [
                    {
                        "key": key,
                        "language": wanted[key].language,
                        "kind": wanted[key].kind,
                        "value": wanted[key].value,
                        "label": wanted[key].label,
                        "next_position": 1,
                        "change_seq": 0,
                        "rendered_seq": 0,
                        "render_count": 0,
                    }
                    for key in missing
                ]
            )
            .on_conflict_do_nothing(index_elements=["key"])
        )
        found |= {f.key: f for f in session.scalars(select(Feed).where(Feed.key.in_(missing)))}
    return {f.id: f for f in found.values()}


def lock_feeds(session: Session, feed_ids: Iterable[int]) -> list[int]:
    """Lock feed rows in id order (two writers with overlapping sets never deadlock); returns the ids.

    Ordering holds within one statement only: a transaction that locks feeds in
    several statements takes the whole set first (``lock_story_feeds``, or the
    union here), so the later statements find their rows already held.
    """
    ids = sorted(set(feed_ids))
    if ids:
        session.execute(locked(select(Feed.id).where(Feed.id.in_(ids)).order_by(Feed.id))).all()
    return ids


def lock_story_feeds(session: Session, story_ids: Iterable[int]) -> dict[int, set[int]]:
    """Lock, in one ordered statement, every feed showing a language version of these stories.

    Archive marks, leaving feeds and dirty marks of a step each lock a subset of
    these in a statement of their own; taking the union first keeps the step's
    lock order ascending, which is what keeps it out of deadlocks with ingest
    and the other worker. Returns each story's feeds.
    """
    stories = sorted(set(story_ids))
    if not stories:
        return {}
    rows = session.execute(
        select(Article.story_id, FeedEntry.feed_id)
        .join(Article, Article.id == FeedEntry.article_id)
        .where(Article.story_id.in_(stories))
        .distinct()
    )
    by_story: dict[int, set[int]] = {}
    for story_id, feed_id in rows:
        by_story.setdefault(story_id, set()).add(feed_id)
    lock_feeds(session, {f for feeds in by_story.values() for f in feeds})
    return by_story


def mark_dirty(uow: UnitOfWork, feed_ids: set[int] | list[int], *, now: datetime | None = None) -> None:
    """Record that feeds changed and owe each a rebuild (a fixed number of statements)."""
    if uow.deferred is not None:
        uow.deferred.dirty |= set(feed_ids)
        if now is not None:
            uow.deferred.now = max(now, uow.deferred.now or now)
        return
    ids = lock_feeds(uow.session, feed_ids)
    if not ids:
        return
    now = now or utcnow()
    uow.session.execute(
        update(Feed)
        .where(Feed.id.in_(ids))
        .values(
            change_seq=Feed.change_seq + 1,
            last_changed_at=now,
            dirty_since=func.coalesce(Feed.dirty_since, now),
        )
    )
    uow.owe_all(RENDER, ids)


def sync_membership(uow: UnitOfWork, article: Article, document: dict | None) -> set[int]:
    """Make the article's feed entries match ``document`` (None: leave every feed).

    Returns the ids of feeds the article left: they change now. Feeds it joined
    change once its rendition is ready, and the process step marks those.
    """
    session = uow.session
    current = dict(
        session.execute(select(FeedEntry.feed_id, FeedEntry.position).where(FeedEntry.article_id == article.id)).all()
    )
    wanted = feed_rows(session, feeds_for(document)) if document is not None else {}
    left = set(current) - set(wanted)
    joining = sorted(set(wanted) - set(current))
    deferred = uow.deferred
    if deferred is None:
        # Every feed this change locks, in one ordered statement.
        lock_feeds(session, left | set(joining))
        # A story leaving a full archive page changes that page: mark it before the entry goes.
        mark_positions(session, [(f, current[f]) for f in left])
    else:
        deferred.leaving |= {(f, current[f]) for f in left}
        if joining:
            deferred.joins[article.id] = joining
        else:
            deferred.joins.pop(article.id, None)
    if left:
        # Nobody sees the deletion before the commit, by which time the pages are marked.
        session.execute(delete(FeedEntry).where(FeedEntry.article_id == article.id, FeedEntry.feed_id.in_(left)))
    if deferred is None:
        _take_positions(session, {article.id: joining})
    return left


def member_feeds(uow: UnitOfWork, article_id: int) -> set[int]:
    """The feeds the article is in, counting the entries a deferring transaction has yet to add."""
    joined = set(uow.deferred.joins.get(article_id, [])) if uow.deferred is not None else set()
    return feeds_of(uow.session, article_id) | joined


def settle_feeds(uow: UnitOfWork) -> None:
    """Do a deferring transaction's feed bookkeeping: one ordered lock, then marks, positions, dirty feeds.

    Positions go out in the order the articles came.
    """
    deferred, uow.deferred = uow.deferred, None
    if deferred is None:
        return
    joined = {f for feeds in deferred.joins.values() for f in feeds}
    lock_feeds(uow.session, joined | {f for f, _ in deferred.leaving} | deferred.dirty)
    mark_positions(uow.session, deferred.leaving)
    _take_positions(uow.session, deferred.joins)
    mark_dirty(uow, deferred.dirty, now=deferred.now)


def _take_positions(session: Session, joins: dict[int, list[int]]) -> None:
    """Positions come from each feed's counter under its row lock: a feed's order is the order in
    which its articles became public, whichever worker ran first."""
    per_feed: dict[int, list[int]] = {}
    for article_id, feed_ids in joins.items():
        for feed_id in feed_ids:
            per_feed.setdefault(feed_id, []).append(article_id)
    rows = []
    for feed_id in lock_feeds(session, per_feed):
        members = per_feed[feed_id]
        bump = update(Feed).where(Feed.id == feed_id).values(next_position=Feed.next_position + len(members))
        after = session.execute(bump.returning(Feed.next_position)).scalar_one()
        rows += [
            {"feed_id": feed_id, "article_id": a, "position": after - len(members) + i} for i, a in enumerate(members)
        ]
    if rows:
        session.execute(insert(FeedEntry), rows)


def feeds_of(session: Session, article_id: int) -> set[int]:
    return set(session.scalars(select(FeedEntry.feed_id).where(FeedEntry.article_id == article_id)))


def release(uow: UnitOfWork, article: Article, version: ArticleVersion, *, now: datetime) -> set[int]:
    """Make a version public if it may be: joins feeds, returns the feeds it left."""
    embargoed = article.embargo_until is not None and article.embargo_until > now
    if article.withdrawn:
        return sync_membership(uow, article, None)
    if embargoed and not article.released:
        return set()
    article.released = True
    return sync_membership(uow, article, version.document)
