"""Pipeline steps: plain functions over a unit of work, keyed by step name.

Each step is idempotent: it loads its subjects by id, skips what is already
done, stores its output, marks its outbox rows done and owes the next steps,
all in one transaction. ``workers/`` wraps each step in a Celery task;
the in-process runner calls them directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds import pages
from syndicate.feeds import websub as hubs
from syndicate.feeds.render import render_feed
from syndicate.languages.localize import localize
from syndicate.partners.delivery import deliver
from syndicate.partners.sequence import DELIVER, on_payload, on_release
from syndicate.payloads.build import build_payloads
from syndicate.pipeline.ingest import PROCESS
from syndicate.pipeline.outbox import Message, UnitOfWork, complete, record_failure
from syndicate.pipeline.publish import RENDER, feeds_of, mark_dirty
from syndicate.pipeline.sweeper import RELEASE_HOOKS
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion, Feed
from syndicate.storage.types import utcnow
from syndicate.translation.step import TRANSLATE, plan_translations, translate

PAYLOAD = "payload"
WEBSUB = "websub"

StepFn = Callable[[UnitOfWork, Settings, list[int]], None]


@dataclass(frozen=True)
class StepInfo:
    fn: StepFn
    queue: str  # ingest | translate | render | deliver
    batch: int = 1  # how many subjects one message may carry


def process(uow: UnitOfWork, settings: Settings, version_ids: list[int]) -> None:
    """Localize each version; its feeds become dirty and its payloads owed."""
    session = uow.session
    for version in session.scalars(
        select(ArticleVersion).where(ArticleVersion.id.in_(version_ids)).order_by(ArticleVersion.id)
    ):
        if version.processed_at is not None:
            continue
        article = session.get(Article, version.article_id)
        assert article is not None
        version.rendition = localize(version.document, article_id=article.id)
        version.processed_at = utcnow()
        if version.version == article.current_version:
            # Sibling language versions link to this one (hreflang): their feeds change too.
            feeds: set[int] = set()
            for member in session.scalars(select(Article.id).where(Article.story_id == article.story_id)):
                feeds |= feeds_of(session, member)
            if feeds:
                mark_dirty(uow, feeds)
        for hook in PROCESSED_HOOKS:
            hook(uow, settings, article, version)
        uow.owe(PAYLOAD, version.id)
    complete(session, PROCESS, version_ids)


def render(uow: UnitOfWork, settings: Settings, feed_ids: list[int]) -> None:
    """Rebuild changed feeds; the outbox row stays owed while a feed is still dirty."""
    session = uow.session
    done = []
    for feed_id in sorted(feed_ids):
        result = render_feed(session, settings, feed_id)
        feed = session.get(Feed, feed_id)
        if feed is None or feed.rendered_seq >= feed.change_seq:
            done.append(feed_id)
        if result.changed_formats:
            for hook in RENDERED_HOOKS:
                hook(uow, settings, feed_id)
    complete(session, RENDER, done)


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


def payload(uow: UnitOfWork, settings: Settings, version_ids: list[int]) -> None:
    """Build the partner payloads of each version, then hand them to partner fan-out."""
    session = uow.session
    # In ingest order, so versions of one story that share a batch reach partners in order.
    query = select(ArticleVersion).where(ArticleVersion.id.in_(version_ids)).order_by(ArticleVersion.id)
    for version in session.scalars(query):
        if version.processed_at is None:
            continue  # its process step has not run yet; it owes this step again
        if build_payloads(session, settings, version):
            for hook in PAYLOAD_HOOKS:
                hook(uow, settings, version)
    complete(session, PAYLOAD, version_ids)


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


# Later capabilities hook in here instead of editing the steps above.
PROCESSED_HOOKS: list[Callable[[UnitOfWork, Settings, Article, ArticleVersion], None]] = [
    mark_archive_pages,
    plan_translations,
]
RENDERED_HOOKS: list[Callable[[UnitOfWork, Settings, int], None]] = [owe_websub]
PAYLOAD_HOOKS: list[Callable[[UnitOfWork, Settings, ArticleVersion], None]] = []

STEPS: dict[str, StepInfo] = {
    PROCESS: StepInfo(process, "ingest", batch=20),
    RENDER: StepInfo(render, "render", batch=10),
    PAYLOAD: StepInfo(payload, "render", batch=20),
    WEBSUB: StepInfo(websub, "deliver", batch=10),
    # One job (article version x target language) per message: slow providers never hold up a batch.
    TRANSLATE: StepInfo(translate, "translate", batch=1),
}

# Partner syndication: new versions and lifted embargoes fan out into partner sequences;
# each push is one ``deliver`` step (one delivery per message: its HTTP call has a time-out).
STEPS[DELIVER] = StepInfo(deliver, "deliver", batch=1)
PAYLOAD_HOOKS.append(on_payload)
RELEASE_HOOKS.append(on_release)
