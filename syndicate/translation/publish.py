"""Publishing a translation: a version of an ``Article`` with origin "translation".

It takes the same path as a newsroom version: the document is validated and
cleaned by the domain model for its language, stored with ``add_version``,
made public (feed membership) by ``pipeline.publish.release`` and owes the
``process`` step through the outbox, so feeds and partner payloads pick it up
and link it to the other language versions of its story.

The source row is locked (and read afresh) first and its version compared: a
job whose source moved on becomes stale, and one whose source was withdrawn is
cancelled, so an old translation is never published over a newer source. A
withdrawn translation is never published again (the job is cancelled).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AnyHttpUrl, TypeAdapter, ValidationError
from sqlalchemy import select

from syndicate.domain.article import Article as ArticleDoc
from syndicate.domain.article import Status
from syndicate.domain.prepare import clean_article, problems_from
from syndicate.errors import Conflict, Problem, ValidationFailed
from syndicate.languages.localize import article_path
from syndicate.languages.slugs import slugify
from syndicate.pipeline.ingest import PROCESS, add_version
from syndicate.pipeline.outbox import UnitOfWork
from syndicate.pipeline.publish import mark_dirty, release
from syndicate.settings import Settings
from syndicate.storage.db import locked
from syndicate.storage.models import Article, ArticleVersion
from syndicate.storage.types import utcnow
from syndicate.translation.placeholders import from_dicts, restore
from syndicate.translation.segments import assemble
from syndicate.translation.states import JobState, transition
from syndicate.translation.tables import TranslationJob, TranslationSegment

PROVISIONAL_URL = "https://provisional.invalid/"
_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)  # percent-encodes a native-script slug, as ingest does


def translation_id(source_newsroom_id: str, language: str) -> str:
    """Newsroom-style id of a translation; a dot keeps it apart from newsroom ids such as ``cn-1-ckb``."""
    return f"{source_newsroom_id}.{language}"


def segments_of(session: Any, job: TranslationJob) -> list[TranslationSegment]:
    return list(
        session.scalars(
            select(TranslationSegment).where(TranslationSegment.job_id == job.id).order_by(TranslationSegment.position)
        )
    )


def translated_document(session: Any, job: TranslationJob) -> dict[str, Any]:
    """The source document with every segment replaced by the job's current text (restored)."""
    segments = segments_of(session, job)
    missing = [Problem(f"segments.{s.key}", "has no translation yet") for s in segments if s.text is None]
    if missing:
        raise ValidationFailed(missing)
    texts = {s.key: restore(s.text or "", from_dicts(s.placeholders), html=s.html) for s in segments}
    source = session.get(ArticleVersion, job.source_version_id)
    return assemble(source.document, job.skeleton, texts)


def source_is_current(session: Any, job: TranslationJob, *, actor: str) -> bool:
    """Lock the source and check it still is the version the job translated; else stale or cancelled.

    The row is read afresh under the lock (``locked``): a copy loaded earlier in
    the transaction would hide a correction or withdrawal committed since.
    """
    source = session.scalar(locked(select(Article).where(Article.id == job.source_article_id)))
    if source is None or source.withdrawn:
        transition(session, job, JobState.cancelled, actor=actor, note="the source was withdrawn")
        return False
    if source.current_version != job.source_version:
        note = f"the source has version {source.current_version}; this job translated v{job.source_version}"
        transition(session, job, JobState.stale, actor=actor, note=note)
        return False
    return True


def publish(
    uow: UnitOfWork,
    settings: Settings,
    job: TranslationJob,
    *,
    actor: str,
    machine: bool,
    now: datetime | None = None,
) -> Article | None:
    """Publish the job's texts as the next version of its translation; None if the source moved on."""
    now = now or utcnow()
    session = uow.session
    if not source_is_current(session, job, actor=actor):
        return None
    source = session.get(Article, job.source_article_id)
    assert source is not None
    document = _validated(translated_document(session, job), source, job, now)
    newsroom_id = translation_id(source.newsroom_id, job.target_language)
    article = session.scalar(locked(select(Article).where(Article.newsroom_id == newsroom_id)))
    if article is not None and (article.origin != "translation" or article.source_article_id != source.id):
        raise Conflict(f"{newsroom_id!r} is already the id of another article")
    if article is not None and article.withdrawn:
        # Withdrawn with its source or superseded by the newsroom's own version: it stays down.
        transition(session, job, JobState.cancelled, actor=actor, note="the translation was withdrawn")
        return None
    if article is None:
        article = Article(
            newsroom_id=newsroom_id,
            story_id=source.story_id,
            language=job.target_language,
            origin="translation",
            source_article_id=source.id,
            translation_of=source.newsroom_id,
            current_version=0,
            status=document["status"],
            section=document["section"],
            # Not before the source, not before now, and never before the source's embargo lifts.
            published_at=max(source.published_at, now, source.embargo_until or now),
            modified_at=now,
            embargo_until=source.embargo_until,
        )
        session.add(article)
        session.flush()
    number = article.current_version + 1
    slug = slugify(document["headline"], job.target_language)
    path = article_path(job.target_language, document["section"], article.id, slug)
    document.update(
        id=newsroom_id,
        version=number,
        canonical_url=str(_URL.validate_python(settings.site_url.rstrip("/") + path)),
        published_at=article.published_at.isoformat(),
    )
    if number > 1:
        document["updated_at"] = now.isoformat()
    else:
        document.pop("updated_at", None)
    article.section, article.modified_at = document["section"], now
    article.machine_translated = machine
    if not article.released:
        article.embargo_until = source.embargo_until
    version = add_version(session, article, number, document["status"], document, machine_translated=machine)
    changed = release(uow, article, version, now=now)
    if changed:
        mark_dirty(uow, changed, now=now)
    uow.owe(PROCESS, version.id)
    job.translation_article_id, job.published_version = article.id, number
    job.machine_published = job.machine_published or machine
    return article


def _validated(document: dict[str, Any], source: Article, job: TranslationJob, now: datetime) -> dict[str, Any]:
    """The translated document through the domain model, cleaned for the target language."""
    status = Status.corrected if document.get("status") == Status.corrected else Status.published
    candidate = {
        **{k: v for k, v in document.items() if k in ArticleDoc.model_fields},
        "language": job.target_language,
        "status": str(status),
        "translation_of": source.newsroom_id,
        "id": translation_id(source.newsroom_id, job.target_language),
        "canonical_url": PROVISIONAL_URL,
    }
    if status != Status.corrected:
        candidate.pop("correction_note", None)
    candidate.pop("updated_at", None)
    try:
        return clean_article(ArticleDoc.model_validate(candidate)).document()
    except ValidationError as exc:
        raise ValidationFailed(problems_from(exc)) from None
