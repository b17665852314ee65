"""Which archive pages must be rendered again.

A full archive page changes only when one of its own stories changes: a
correction, a withdrawal, a sibling language version that appears (a new
``hreflang`` link). Those events mark the page here, in the transaction that
causes them, so a rebuild renders the subscription document plus the marked
pages and never walks the whole archive.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from syndicate.feeds.build import page_of
from syndicate.storage.db import locked
from syndicate.storage.models import Article, Feed, FeedDirtyPage, FeedEntry


def mark_positions(session: Session, positions: Iterable[tuple[int, int]]) -> int:
    """Mark the archived pages holding these ``(feed_id, position)`` pairs; returns the marks written.

    Positions on pages not archived yet need no mark: those pages are rendered
    when they fill up. The feed rows are locked first, so a mark never slips
    between a rebuild reading the marks and deleting them.
    """
    pairs = sorted(set(positions))
    if not pairs:
        return 0
    feed_ids = sorted({f for f, _ in pairs})
    feeds = {f.id: f for f in session.scalars(locked(select(Feed).where(Feed.id.in_(feed_ids)).order_by(Feed.id)))}
    marks = set()
    for feed_id, position in pairs:
        feed = feeds.get(feed_id)
        if feed is None or not feed.page_size or not feed.archived_pages:
            continue
        page = page_of(position, feed.page_size)
        if page <= feed.archived_pages:
            marks.add((feed_id, page))
    if marks:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(FeedDirtyPage)
            .values([{"feed_id": f, "page": p} for f, p in sorted(marks)])
            .on_conflict_do_nothing(index_elements=["feed_id", "page"])
        )
    return len(marks)


def mark_articles(session: Session, article_ids: Iterable[int]) -> int:
    """Mark the archived pages that show any of these articles."""
    ids = sorted(set(article_ids))
    if not ids:
        return 0
    rows = session.execute(select(FeedEntry.feed_id, FeedEntry.position).where(FeedEntry.article_id.in_(ids))).all()
    return mark_positions(session, [(f, p) for f, p in rows])


def mark_story(session: Session, story_id: int) -> int:
    """Mark every archived page showing a language version of the story (their hreflang links change too)."""
    members = list(session.scalars(select(Article.id).where(Article.story_id == story_id)))
    return mark_articles(session, members)


def dirty_pages(session: Session, feed_id: int) -> list[int]:
    return list(
        session.scalars(select(FeedDirtyPage.page).where(FeedDirtyPage.feed_id == feed_id).order_by(FeedDirtyPage.page))
    )


def clear_marks(session: Session, feed_id: int) -> None:
    session.execute(delete(FeedDirtyPage).where(FeedDirtyPage.feed_id == feed_id))
