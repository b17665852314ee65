"""The feeds' part in the pipeline: the export and WebSub steps, and the hooks that keep archives current."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from syndicate.feeds import pages, sitemap
from syndicate.feeds import websub as hubs
from syndicate.feeds.export import export_feed, export_site_document, stale_site_paths
from syndicate.pipeline.outbox import Message, UnitOfWork, complete, record_failure
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion
from syndicate.storage.types import utcnow

log = logging.getLogger("syndicate.feeds")
WEBSUB = "websub"
EXPORT = "export"
# The export step's subject for the site documents (OPML list, sitemaps); feed ids start at 1.
SITE_DOCUMENTS = 0


@contextmanager
def _transaction(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def export(uow: UnitOfWork, settings: Settings, subjects: list[int]) -> None:
    """Write committed feed and site documents to ``SYNDICATE_EXPORT_DIR`` (idempotent).

    Each feed, and each site document, is exported in a short transaction of
    its own that holds one row lock: a rebuild locks its feed and then the
    language's sitemap, so holding both kinds here could deadlock with it. A
    folder that cannot be written keeps the subject owed (the sweeper retries).
    """
    done, failed = [], {}
    for subject in sorted(set(subjects)):
        try:
            if settings.export_dir is not None:
                _export_one(uow.session.get_bind(), Path(settings.export_dir), subject)  # type: ignore[arg-type]
        except OSError as exc:
            log.error("export failed; retried later", extra={"subject": subject, "error": repr(exc)[:300]})
            failed[subject] = repr(exc)
            continue
        done.append(subject)
    # The unit of work's own transaction starts only now (on SQLite it would hold the write lock).
    for subject, error in failed.items():
        record_failure(uow.session, EXPORT, subject, error, retry_in=settings.step_deadline_seconds)
    complete(uow.session, EXPORT, done)


def _export_one(engine: Engine, root: Path, subject: int) -> None:
    if subject != SITE_DOCUMENTS:
        with _transaction(engine) as session:
            export_feed(session, root, subject)
        return
    with Session(engine) as session:
        paths = stale_site_paths(session)
    for path in paths:
        with _transaction(engine) as session:
            export_site_document(session, root, path)


def refresh_sitemaps(uow: UnitOfWork, settings: Settings) -> int:
    """Refresh every language's news sitemap (stories age out); changed ones are exported after the commit."""
    changed = sitemap.refresh_all(uow.session, settings)
    if changed:
        owe_export(uow, settings, SITE_DOCUMENTS)
    return len(changed)


def owe_export(uow: UnitOfWork, settings: Settings, subject: int) -> None:
    """Documents of ``subject`` (a feed, or ``SITE_DOCUMENTS``) changed: export them after the commit."""
    if settings.export_dir is not None:
        uow.owe(EXPORT, subject)


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
