"""Pipeline steps: plain functions over a unit of work, keyed by step name.

Each step is idempotent: it loads its subjects by id, skips what is already
done, stores its output, marks its outbox rows done and owes the next steps,
all in one transaction. These are the core steps; the registry
(``syndicate.pipeline.registry``) adds the other capabilities' steps and
hooks. ``workers/`` wraps each step in a Celery task; the in-process runner
calls them directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from syndicate.feeds.render import render_feed
from syndicate.feeds.steps import SITE_DOCUMENTS, owe_export
from syndicate.languages.localize import localize
from syndicate.logs import log_context
from syndicate.payloads.build import build_payloads
from syndicate.pipeline import hooks
from syndicate.pipeline.ingest import PROCESS
from syndicate.pipeline.outbox import UnitOfWork, complete
from syndicate.pipeline.publish import RENDER, lock_story_feeds, mark_dirty
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion, Feed
from syndicate.storage.types import utcnow

PAYLOAD = "payload"

StepFn = Callable[[UnitOfWork, Settings, list[int]], None]


@dataclass(frozen=True)
class StepInfo:
    fn: StepFn
    queue: str  # ingest | translate | render | deliver
    batch: int = 1  # how many subjects one message may carry


def process(uow: UnitOfWork, settings: Settings, version_ids: list[int]) -> None:
    """Localize each version; its feeds become dirty and its payloads owed.

    Localizing comes first and takes no lock. The bookkeeping that locks feed
    rows (archive marks, dirty feeds) follows in a short second part: ingest,
    rebuilds and the other workers touch the same few hot feeds, and a batch
    would otherwise hold their locks for as long as it takes to localize it.
    """
    session = uow.session
    done: list[tuple[Article, ArticleVersion]] = []
    for version in session.scalars(
        select(ArticleVersion).where(ArticleVersion.id.in_(version_ids)).order_by(ArticleVersion.id)
    ):
        if version.processed_at is not None:
            continue
        article = session.get(Article, version.article_id)
        assert article is not None
        with log_context(article=article.newsroom_id, version=version.version, language=article.language):
            version.rendition = localize(version.document, article_id=article.id)
            version.processed_at = utcnow()
        done.append((article, version))
    # The hooks (archive marks, withdrawn translations) and the dirty marks lock feeds statement by
    # statement: take them all at once first, in id order.
    story_feeds = lock_story_feeds(session, {article.story_id for article, _ in done})
    # Sibling language versions link to a current version (hreflang): every feed of its story changes.
    dirty = {
        feed
        for article, version in done
        if version.version == article.current_version
        for feed in story_feeds.get(article.story_id, ())
    }
    for article, version in done:
        with log_context(article=article.newsroom_id, version=version.version, language=article.language):
            for hook in hooks.PROCESSED:
                hook(uow, settings, article, version)
    mark_dirty(uow, dirty)
    uow.owe_all(PAYLOAD, [version.id for _, version in done])
    complete(session, PROCESS, version_ids)


def render(uow: UnitOfWork, settings: Settings, feed_ids: list[int]) -> None:
    """Rebuild changed feeds; the outbox row stays owed while a feed is still dirty."""
    session = uow.session
    done = []
    for feed_id in sorted(feed_ids):
        with log_context(feed=feed_id):
            result = render_feed(session, settings, feed_id)
        feed = session.get(Feed, feed_id)
        if feed is None or feed.rendered_seq >= feed.change_seq:
            done.append(feed_id)
        if result.rendered:
            owe_export(uow, settings, feed_id)  # after this transaction commits, never before
        if result.sites:
            owe_export(uow, settings, SITE_DOCUMENTS)
        if result.changed_formats:
            for hook in hooks.RENDERED:
                hook(uow, settings, feed_id)
    complete(session, RENDER, done)


def payload(uow: UnitOfWork, settings: Settings, version_ids: list[int]) -> None:
    """Build the partner payloads of each version, then hand them to partner fan-out.

    Building comes first; the fan-out, which locks the partner rows every
    payload step and push shares, follows in a short second part.
    """
    session = uow.session
    built = []
    # In ingest order, so versions of one story that share a batch reach partners in order.
    query = select(ArticleVersion).where(ArticleVersion.id.in_(version_ids)).order_by(ArticleVersion.id)
    for version in session.scalars(query):
        if version.processed_at is None:
            continue  # its process step has not run yet; it owes this step again
        article = version.article
        with log_context(article=article.newsroom_id, version=version.version, language=article.language):
            if build_payloads(session, settings, version):
                built.append(version)
    for version in built:
        with log_context(article=version.article.newsroom_id, version=version.version):
            for hook in hooks.PAYLOAD_BUILT:
                hook(uow, settings, version)
    complete(session, PAYLOAD, version_ids)
