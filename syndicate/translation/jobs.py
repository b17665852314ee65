"""Planning jobs from processed newsroom versions; stale and cancelled jobs.

Called from the ``process`` step (a ``hooks.PROCESSED`` entry) in its
transaction: a new newsroom version makes the open jobs of older versions
stale and plans one job per target language; segments whose content did not
change are carried over from the previous job, so only changed segments are
translated again. A withdrawal cancels every job of the source and withdraws
its translations; the newsroom's own version in a language supersedes ours.
"""

from __future__ import annotations

from datetime import datetime
from html import unescape

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.domain.article import Status
from syndicate.pipeline.ingest import PROCESS, add_version
from syndicate.pipeline.outbox import UnitOfWork
from syndicate.pipeline.publish import mark_dirty, sync_membership
from syndicate.settings import Settings
from syndicate.storage.db import locked
from syndicate.storage.models import Article, ArticleVersion
from syndicate.storage.types import utcnow
from syndicate.translation.placeholders import TOKEN_RE
from syndicate.translation.policy import load_policy
from syndicate.translation.segments import split_document
from syndicate.translation.states import OPEN, JobState, record, transition
from syndicate.translation.tables import TranslationEvent, TranslationJob, TranslationSegment
from syndicate.translation.terms import protected_terms

TRANSLATE = "translate"
SYSTEM = "system"
# Origins of carried drafts: approved text, or text nobody approved yet.
CARRIED = "carried"
UNREVIEWED = "unreviewed"


def plan(uow: UnitOfWork, settings: Settings, article: Article, version: ArticleVersion) -> list[TranslationJob]:
    """React to a processed version of a newsroom article; returns the jobs it created."""
    if article.origin != "newsroom" or version.version != article.current_version:
        return []  # translations are not translated again; an old version is not the source any more
    session = uow.session
    if article.withdrawn or version.status == Status.withdrawn:
        cancel_for_source(uow, article, note="the source was withdrawn")
        return []
    if article.translation_of:
        supersede(uow, article)
        return []
    make_stale(session, article, version.version)
    if not settings.translation_enabled:
        return []
    policy = load_policy(settings)
    covered = set(
        session.scalars(
            select(Article.language).where(Article.story_id == article.story_id, Article.origin == "newsroom")
        )
    )
    created = []
    for target in policy.targets_for(article.section, article.language):
        if target in covered:
            continue  # the newsroom publishes this language itself
        existing = session.scalar(
            select(TranslationJob.id).where(
                TranslationJob.source_article_id == article.id,
                TranslationJob.source_version == version.version,
                TranslationJob.target_language == target,
            )
        )
        if existing is not None:
            continue
        job = create_job(session, article, version, target, policy.publish_mode(article.section, target))
        uow.owe(TRANSLATE, job.id)
        created.append(job)
    return created


def create_job(
    session: Session, article: Article, version: ArticleVersion, target: str, publish_mode: str
) -> TranslationJob:
    split = split_document(version.document, protected_terms(article.language, target))
    now = utcnow()
    job = TranslationJob(
        source_article_id=article.id,
        source_version=version.version,
        source_version_id=version.id,
        story_id=article.story_id,
        source_language=article.language,
        target_language=target,
        section=article.section,
        state=str(JobState.queued),
        publish_mode=publish_mode,
        skeleton=split.skeleton,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    carried = _carry(session, job)
    for spec in split.segments:
        text, origin = carried.get(spec.hash, (None, None))
        if text is None and not has_words(spec.masked.text):
            # Only names, numbers and punctuation ("ERBIL, Kurdistan Region"): nothing for a machine.
            text, origin = spec.masked.text, "copy"
        session.add(
            TranslationSegment(
                job_id=job.id,
                position=spec.position,
                key=spec.key,
                kind=spec.kind,
                html=spec.html,
                source_text=spec.masked.text,
                source_hash=spec.hash,
                placeholders=[p.as_dict() for p in spec.masked.placeholders],
                draft_text=text,
                draft_origin=origin,
                status="drafted" if text is not None else "pending",
                updated_at=now,
            )
        )
    record(session, job, "planned", actor=SYSTEM, to=None, note=f"v{version.version} {job.source_language}>{target}")
    session.flush()
    return job


def has_words(masked: str) -> bool:
    return any(ch.isalpha() for ch in unescape(TOKEN_RE.sub("", masked)))


def _carry(session: Session, job: TranslationJob) -> dict[str, tuple[str, str]]:
    """Translations of unchanged segments from the previous job of the same source and language."""
    previous = session.scalar(
        select(TranslationJob)
        .where(
            TranslationJob.source_article_id == job.source_article_id,
            TranslationJob.target_language == job.target_language,
            TranslationJob.id != job.id,
        )
        .order_by(TranslationJob.source_version.desc(), TranslationJob.id.desc())
        .limit(1)
    )
    if previous is None:
        return {}
    # Only what an editor approved counts as reviewed. A translator's edit nobody approved (the
    # job was rejected, or went stale in review) is carried as unreviewed, and a machine draft
    # keeps its origin: either one makes a published draft say it is unreviewed.
    approved = previous.state in (JobState.approved, JobState.published) or _was_approved(session, previous.id)
    out: dict[str, tuple[str, str]] = {}
    for seg in session.scalars(select(TranslationSegment).where(TranslationSegment.job_id == previous.id)):
        if seg.text is None or seg.draft_origin == "copy":
            continue
        if approved:
            origin = f"{CARRIED}:{previous.id}"
        elif seg.target_text is not None:
            origin = f"{UNREVIEWED}:{previous.id}"
        else:
            origin = seg.draft_origin or UNREVIEWED
        out[seg.source_hash] = (seg.text, origin)
    return out


def _was_approved(session: Session, job_id: int) -> bool:
    """Approved once (a job approved just as its source moved on ends stale, its text reviewed)."""
    query = select(TranslationEvent.id).where(
        TranslationEvent.job_id == job_id, TranslationEvent.to_state == str(JobState.approved)
    )
    return session.scalar(query.limit(1)) is not None


def unreviewed(origin: str | None) -> bool:
    """A draft no editor has approved: from a machine, or a translator's carried, unapproved edit."""
    return (origin or "").split(":")[0] in ("machine", UNREVIEWED)


def make_stale(session: Session, article: Article, version: int) -> list[TranslationJob]:
    """Open jobs of older versions of ``article`` can never be published: they become stale."""
    jobs = list(
        session.scalars(
            locked(
                select(TranslationJob)
                .where(
                    TranslationJob.source_article_id == article.id,
                    TranslationJob.source_version < version,
                    TranslationJob.state.in_([str(s) for s in OPEN]),
                )
                .order_by(TranslationJob.id)
            )
        )
    )
    for job in jobs:
        transition(session, job, JobState.stale, actor=SYSTEM, note=f"the source has version {version}")
    return jobs


def cancel_for_source(uow: UnitOfWork, article: Article, *, note: str) -> None:
    """Cancel every job of a withdrawn source and withdraw its translations everywhere."""
    session = uow.session
    for job in session.scalars(
        locked(
            select(TranslationJob)
            .where(
                TranslationJob.source_article_id == article.id,
                TranslationJob.state.in_([str(s) for s in (*OPEN, JobState.published)]),
            )
            .order_by(TranslationJob.id)
        )
    ):
        transition(session, job, JobState.cancelled, actor=SYSTEM, note=note)
    for translation in session.scalars(
        select(Article).where(Article.source_article_id == article.id, Article.origin == "translation")
    ):
        withdraw_translation(uow, translation, reason=note)


def supersede(uow: UnitOfWork, article: Article) -> None:
    """The newsroom published its own version in a language: our jobs and translation in it give way."""
    session = uow.session
    note = f"the newsroom published its own {article.language} version"
    for job in session.scalars(
        locked(
            select(TranslationJob)
            .where(
                TranslationJob.story_id == article.story_id,
                TranslationJob.target_language == article.language,
                TranslationJob.state.in_([str(s) for s in (*OPEN, JobState.published)]),
            )
            .order_by(TranslationJob.id)
        )
    ):
        transition(session, job, JobState.cancelled, actor=SYSTEM, note=note)
    for translation in session.scalars(
        select(Article).where(
            Article.story_id == article.story_id,
            Article.language == article.language,
            Article.origin == "translation",
        )
    ):
        withdraw_translation(uow, translation, reason=note)


def withdraw_translation(uow: UnitOfWork, article: Article, *, reason: str, now: datetime | None = None) -> bool:
    """Withdraw one translation the way a takedown withdraws a newsroom article."""
    if article.withdrawn:
        return False
    session = uow.session
    last = session.scalar(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article.id, ArticleVersion.version == article.current_version
        )
    )
    body = {**(last.document if last is not None else {}), "status": str(Status.withdrawn)}
    body["version"] = article.current_version + 1
    body["withdrawal_reason"] = reason
    article.withdrawn, article.released = True, False
    new = add_version(session, article, article.current_version + 1, str(Status.withdrawn), body)
    left = sync_membership(uow, article, None)
    if left:
        mark_dirty(uow, left, now=now)
    uow.owe(PROCESS, new.id)
    return True
