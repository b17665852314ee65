"""The feeds' part in the pipeline: the WebSub step and the hooks that keep archives current."""

from __future__ import annotations

from sqlalchemy.orm import Session

from syndicate.feeds import pages
from syndicate.feeds import websub as hubs
from syndicate.pipeline.outbox import Message, UnitOfWork, complete, record_failure
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion
from syndicate.storage.types import utcnow

WEBSUB = "websub"


def websub(uow: UnitOfWork, settings: Settings, feed_ids: list[int]) -> None:
    """Ping the WebSub hubs about changed feeds; a failing hub keeps only its own row owed.

    The hubs are asked with no database transaction open (on SQLite an open
    transaction holds the write lock), so a slow hub never holds up publishing.
    """
    with Session(uow.session.get_bind()) as reader:
        plan = hubs.owed(reader, settings, feed_ids)
    outcomes = hubs.notify(plan.pings, settings.websub_timeout_seconds)
    session = uow.session
    retry = hubs.record(session, settings, outcomes)
    for feed_id, when in plan.waiting.items():
        retry[feed_id] = min(retry.get(feed_id, when), when)
    now = utcnow()
    for feed_id, when in sorted(retry.items()):
        errors = [o.error for o in outcomes if not o.ok and o.ping.feed_id == feed_id]
        error = errors[0] if errors else "waiting to retry a failed hub"
        record_failure(session, WEBSUB, feed_id, error, retry_in=max((when - now).total_seconds(), 0.0))
    complete(session, WEBSUB, [f for f in feed_ids if f not in retry])


def mark_archive_pages(uow: UnitOfWork, settings: Settings, article: Article, version: ArticleVersion) -> None:
    """A processed version changes the archive pages showing its story (content, hreflang links)."""
    pages.mark_story(uow.session, article.story_id)


def owe_websub(uow: UnitOfWork, settings: Settings, feed_id: int) -> None:
    """After a subscription document changed, its hubs are pinged (after this transaction commits)."""
    if not settings.websub_hubs:
        return
    uow.owe(WEBSUB, feed_id)
    # Even while a failed hub's retry is pending, the healthy hubs hear about the change now.
    message = Message(WEBSUB, feed_id)
    if message not in uow.messages:
        uow.messages.append(message)
