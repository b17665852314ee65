"""Feed membership and visibility, decided in the transaction that changes them.

Positions in a feed are handed out here, under a row lock on the feed, so that
the order of a feed (and the contents of its archive pages) depends only on
the order in which articles became public, not on which worker ran first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from syndicate.feeds.families import FeedRef, feeds_for
from syndicate.feeds.pages import mark_positions
from syndicate.pipeline.outbox import UnitOfWork
from syndicate.storage.models import Article, ArticleVersion, Feed, FeedEntry
from syndicate.storage.types import utcnow

RENDER = "render"


def feed_row(session: Session, ref: FeedRef) -> Feed:
    """The feed row for ``ref``, created on first use (safe under concurrency)."""
    feed = session.scalar(select(Feed).where(Feed.key == ref.key))
    if feed is not None:
        return feed
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(Feed)
        .values(
            key=ref.key,
            language=ref.language,
            kind=ref.kind,
            value=ref.value,
            label=ref.label,
            next_position=1,
            change_seq=0,
            rendered_seq=0,
            render_count=0,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.scalars(select(Feed).where(Feed.key == ref.key)).one()


def mark_dirty(uow: UnitOfWork, feed_ids: set[int] | list[int], *, now: datetime | None = None) -> None:
    """Record that feeds changed and owe each a rebuild."""
    now = now or utcnow()
    for feed_id in sorted(set(feed_ids)):
        uow.session.execute(
            update(Feed).where(Feed.id == feed_id).values(change_seq=Feed.change_seq + 1, last_changed_at=now)
        )
        uow.session.execute(update(Feed).where(Feed.id == feed_id, Feed.dirty_since.is_(None)).values(dirty_since=now))
        uow.owe(RENDER, feed_id)


def sync_membership(uow: UnitOfWork, article: Article, document: dict | None) -> set[int]:
    """Make the article's feed entries match ``document`` (None: leave every feed).

    Returns the ids of feeds the article left: they change now. Feeds it joined
    change once its rendition is ready, and the process step marks those.
    """
    session = uow.session
    current = {e.feed_id: e for e in session.scalars(select(FeedEntry).where(FeedEntry.article_id == article.id))}
    wanted: dict[int, Feed] = {}
    if document is not None:
        for ref in feeds_for(document):
            feed = feed_row(session, ref)
            wanted[feed.id] = feed
    left: set[int] = set()
    # A story leaving a full archive page changes that page: mark it before the entry goes.
    mark_positions(session, [(f, current[f].position) for f in set(current) - set(wanted)])
    for feed_id in sorted(set(current) - set(wanted)):
        session.execute(delete(FeedEntry).where(FeedEntry.id == current[feed_id].id))
        left.add(feed_id)
    for feed_id in sorted(set(wanted) - set(current)):
        position = (
            session.execute(
                update(Feed)
                .where(Feed.id == feed_id)
                .values(next_position=Feed.next_position + 1)
                .returning(Feed.next_position)
            ).scalar_one()
            - 1
        )
        session.add(FeedEntry(feed_id=feed_id, article_id=article.id, position=position))
    session.flush()
    return left


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
