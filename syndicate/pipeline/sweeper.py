"""The sweeper: re-sends owed steps whose deadline passed, and lifts embargoes.

Run periodically (Celery beat in production, at the end of a batch in
process). Everything it needs is in the database, so it repairs lost
messages, killed workers and a flushed broker alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from syndicate.pipeline import hooks
from syndicate.pipeline.outbox import DeferredFeeds, Dispatcher, Message, unit_of_work
from syndicate.pipeline.publish import mark_dirty, member_feeds, release, settle_feeds
from syndicate.settings import Settings
from syndicate.storage.db import Database, locked
from syndicate.storage.models import Article, ArticleVersion, OutboxMessage
from syndicate.storage.types import utcnow

PRUNE_BATCH = 5000
# A row of a backlogged step is re-sent anyway once this many step deadlines past its due time.
STARVING_AFTER = 4


@dataclass(frozen=True)
class SweepResult:
    resent: int
    released: int
    pruned: int = 0


def resend_overdue(
    db: Database,
    dispatcher: Dispatcher,
    settings: Settings,
    *,
    now: datetime | None = None,
    limit: int = 2000,
) -> int:
    """Send again every pending step past its deadline, with a growing deadline.

    Lost messages are sent again; so are slow ones, which steps shrug off
    (they are idempotent). A dispatcher may name steps whose queues are
    backlogged (``busy_steps``); their rows wait until the queue has drained,
    or until they are ``STARVING_AFTER`` deadlines overdue, whichever comes first.
    """
    now = now or utcnow()
    # A step whose queue still holds a backlog is left alone: its overdue rows are most likely
    # waiting in that queue, and sending them again would only feed the backlog (a retry storm).
    # Under a steady backlog the queue never drains, so a row lost meanwhile is sent anyway once
    # it is overdue by a bounded multiple of the deadline; each re-send moves its deadline further
    # back, so this adds at most one message per row and period.
    busy: set[str] = set(getattr(dispatcher, "busy_steps", lambda: set())())
    with db.transaction() as session:
        query = select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
        if busy:
            starving = now - timedelta(seconds=settings.step_deadline_seconds * STARVING_AFTER)
            query = query.where(or_(OutboxMessage.step.not_in(sorted(busy)), OutboxMessage.due_at <= starving))
        rows = list(session.scalars(locked(query.order_by(OutboxMessage.due_at).limit(limit), skip_locked=True)))
        messages = []
        for row in rows:
            row.attempts += 1
            backoff = settings.step_deadline_seconds * min(2 ** min(row.attempts, 6), 32)
            row.due_at = now + timedelta(seconds=backoff)
            messages.append(Message(row.step, row.subject_id))
    if messages:
        # A dispatcher may treat a re-send differently (Celery: no debounce for a lost rebuild).
        getattr(dispatcher, "resend", dispatcher.send)(messages)
    return len(messages)


def release_embargoes(db: Database, dispatcher: Dispatcher, settings: Settings, *, now: datetime | None = None) -> int:
    """Make public every article whose embargo has lifted."""
    import syndicate.pipeline.registry  # noqa: F401  (fills hooks.RELEASED before it is read)

    now = now or utcnow()
    with unit_of_work(db, dispatcher, settings.step_deadline_seconds) as uow:
        uow.deferred = DeferredFeeds()  # many articles: their feeds locked once, in order, at the end
        due = list(
            uow.session.scalars(
                locked(
                    select(Article)
                    .where(Article.released.is_(False), Article.withdrawn.is_(False), Article.embargo_until <= now)
                    .order_by(Article.embargo_until, Article.id),
                    skip_locked=True,
                )
            )
        )
        for article in due:
            version = uow.session.scalar(
                select(ArticleVersion).where(
                    ArticleVersion.article_id == article.id, ArticleVersion.version == article.current_version
                )
            )
            assert version is not None
            release(uow, article, version, now=now)
            # The version was processed while embargoed: its feeds change now.
            joined = member_feeds(uow, article.id)
            if joined and version.processed_at is not None:
                mark_dirty(uow, joined, now=now)
            for hook in hooks.RELEASED:
                hook(uow, settings, article, version)
        settle_feeds(uow)
    return len(due)


def prune_done(db: Database, settings: Settings, *, now: datetime | None = None) -> int:
    """Delete completed outbox rows past their retention, a batch at a time (short transactions)."""
    if settings.outbox_retention_hours <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(hours=settings.outbox_retention_hours)
    with db.transaction() as session:
        old = (
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "done", OutboxMessage.done_at < cutoff)
            .limit(PRUNE_BATCH)
            .scalar_subquery()
        )
        result = session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(old)))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def sweep(db: Database, dispatcher: Dispatcher, settings: Settings, *, now: datetime | None = None) -> SweepResult:
    released = release_embargoes(db, dispatcher, settings, now=now)
    resent = resend_overdue(db, dispatcher, settings, now=now)
    pruned = prune_done(db, settings, now=now)
    return SweepResult(resent=resent, released=released, pruned=pruned)
