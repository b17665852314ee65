"""Ingest: store a cleaned article version with its outbox row, in one transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.domain.article import Article as ArticleDoc
from syndicate.domain.article import Status, Withdrawal
from syndicate.domain.prepare import log_warnings, orthography_warnings
from syndicate.errors import Conflict, Problem, ValidationFailed
from syndicate.pipeline.outbox import UnitOfWork
from syndicate.pipeline.publish import lock_story_feeds, mark_dirty, release, sync_membership
from syndicate.storage.db import locked
from syndicate.storage.models import Article, ArticleVersion, Story
from syndicate.storage.types import utcnow

PROCESS = "process"


class Outcome(StrEnum):
    created = "created"  # first version of a new article
    updated = "updated"  # a newer version (correction, update)
    withdrawn = "withdrawn"
    unchanged = "unchanged"  # same id and version again: nothing to do
    ignored_older = "ignored_older"  # an older version after a newer one: never applied


@dataclass(frozen=True)
class IngestResult:
    id: str
    version: int
    outcome: Outcome
    article_id: int | None = None
    message: str = ""
    warnings: tuple[str, ...] = ()  # words the normaliser could not fix safely, for editors

    @property
    def changed(self) -> bool:
        return self.outcome in (Outcome.created, Outcome.updated, Outcome.withdrawn)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "outcome": str(self.outcome), "warnings": list(self.warnings)}


def content_hash(document: dict[str, Any]) -> str:
    data = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def ingest(uow: UnitOfWork, doc: ArticleDoc | Withdrawal, *, now: datetime | None = None) -> IngestResult:
    """Apply one cleaned document; the caller's transaction makes it atomic."""
    now = now or utcnow()
    session = uow.session
    article = session.scalar(locked(select(Article).where(Article.newsroom_id == doc.id)))
    if article is not None:
        early = _compare(session, article, doc)
        if early is not None:
            return early
    if isinstance(doc, Withdrawal):
        if article is None:
            raise ValidationFailed([Problem("id", f"cannot withdraw unknown article {doc.id!r}")])
        withdraw_story(uow, article, reason=doc.reason, version=doc.version, now=now)
        return IngestResult(doc.id, doc.version, Outcome.withdrawn, article.id, "withdrawn in every language")
    if doc.status == Status.withdrawn and article is not None:
        withdraw_story(uow, article, reason=doc.correction_note, version=doc.version, now=now, document=doc)
        return IngestResult(doc.id, doc.version, Outcome.withdrawn, article.id, "withdrawn in every language")

    document = doc.document()
    created = article is None
    if article is None:
        article = Article(
            newsroom_id=doc.id,
            story_id=_story_for(session, doc),
            language=doc.language,
            translation_of=doc.translation_of,
            current_version=doc.version,
            status=str(doc.status),
            section=doc.section,
            published_at=doc.published_at,
            modified_at=doc.modified_at,
            embargo_until=doc.embargo_until,
        )
        session.add(article)
        session.flush()
        _adopt_linked(session, article)
    elif doc.language != article.language:
        raise ValidationFailed([Problem("language", f"article {doc.id!r} is in {article.language!r}")])
    version = add_version(session, article, doc.version, str(doc.status), document)
    article.section = doc.section
    article.published_at, article.modified_at = doc.published_at, doc.modified_at
    if not article.released:
        article.embargo_until = doc.embargo_until
    article.withdrawn = doc.status == Status.withdrawn
    changed = release(uow, article, version, now=now)
    if changed:
        mark_dirty(uow, changed, now=now)
    uow.owe(PROCESS, version.id)
    outcome = Outcome.created if created else Outcome.updated
    problems = orthography_warnings(doc)
    log_warnings(doc, problems)
    notes = tuple(str(p) for p in problems)
    return IngestResult(doc.id, doc.version, outcome, article.id, f"stored version {doc.version}", notes)


def add_version(
    session: Session, article: Article, number: int, status: str, document: dict, *, machine_translated: bool = False
) -> ArticleVersion:
    version = ArticleVersion(
        article_id=article.id,
        version=number,
        status=status,
        document=document,
        content_hash=content_hash(document),
        machine_translated=machine_translated,
    )
    session.add(version)
    article.current_version = number
    article.status = status
    session.flush()
    return version


def _compare(session: Session, article: Article, doc: ArticleDoc | Withdrawal) -> IngestResult | None:
    """The answer when ``doc`` is not newer than what is stored, else None."""
    if doc.version > article.current_version:
        return None
    if doc.version < article.current_version:
        return IngestResult(
            doc.id,
            doc.version,
            Outcome.ignored_older,
            article.id,
            f"version {doc.version} is older than stored version {article.current_version}; ignored",
        )
    stored = session.scalar(
        select(ArticleVersion).where(ArticleVersion.article_id == article.id, ArticleVersion.version == doc.version)
    )
    same = stored is not None and (
        (isinstance(doc, Withdrawal) and stored.status == Status.withdrawn)
        or (isinstance(doc, ArticleDoc) and stored.content_hash == content_hash(doc.document()))
    )
    if same:
        return IngestResult(doc.id, doc.version, Outcome.unchanged, article.id, "already stored; nothing to do")
    raise Conflict(f"version {doc.version} of {doc.id!r} is already stored with different content")


def _story_for(session: Session, doc: ArticleDoc) -> int:
    if doc.translation_of:
        source = session.scalar(select(Article).where(Article.newsroom_id == doc.translation_of))
        if source is not None:
            return source.story_id
    story = Story()
    session.add(story)
    session.flush()
    return story.id


def _adopt_linked(session: Session, article: Article) -> None:
    """Versions that arrived before their source join the source's story."""
    for other in session.scalars(select(Article).where(Article.translation_of == article.newsroom_id)):
        other.story_id = article.story_id


def withdraw_story(
    uow: UnitOfWork,
    article: Article,
    *,
    reason: str | None,
    version: int,
    now: datetime,
    document: ArticleDoc | None = None,
) -> list[Article]:
    """Withdraw every language version of the story: a takedown is total."""
    session = uow.session
    story_articles = list(
        session.scalars(locked(select(Article).where(Article.story_id == article.story_id).order_by(Article.id)))
    )
    if uow.deferred is None:
        lock_story_feeds(session, [article.story_id])  # each member leaves its feeds in a statement of its own
    done = []
    for member in story_articles:
        if member.withdrawn:
            continue
        number = version if member.id == article.id else member.current_version + 1
        last = session.scalar(
            select(ArticleVersion).where(
                ArticleVersion.article_id == member.id, ArticleVersion.version == member.current_version
            )
        )
        base = dict(last.document) if last is not None else {}
        body = document.document() if document is not None and member.id == article.id else base
        body = {**body, "version": number, "status": str(Status.withdrawn)}
        if reason:
            body["withdrawal_reason"] = reason
        member.withdrawn, member.released = True, False
        new = add_version(session, member, number, str(Status.withdrawn), body)
        changed = sync_membership(uow, member, None)
        if changed:
            mark_dirty(uow, changed, now=now)
        uow.owe(PROCESS, new.id)
        done.append(member)
    return done
