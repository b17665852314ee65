"""The ``translate`` pipeline step: one job (one source version into one language) per message.

Three phases, so that no transaction is open while a provider works:
1. read what the job still needs, in a short session of its own;
2. run the chain of backends (memory, cache and breaker use short sessions);
3. in the step's own transaction, lock the job and then its source (read
   afresh under the lock), check the job is still queued and the source still
   current, store the drafts and move the job on.

Idempotent: a job that is no longer ``queued`` is left alone, so a message
delivered twice costs one read. Transient trouble keeps the outbox row owed
with a later deadline instead of failing the task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from syndicate.errors import ValidationFailed
from syndicate.logs import log_context
from syndicate.pipeline.outbox import Message, UnitOfWork, complete
from syndicate.settings import Settings
from syndicate.storage.db import locked
from syndicate.storage.models import Article, ArticleVersion, OutboxMessage
from syndicate.storage.types import utcnow
from syndicate.translation.backends.base import BackendContext, Segment
from syndicate.translation.engine import Drafts, draft
from syndicate.translation.jobs import SYSTEM, TRANSLATE, plan, unreviewed
from syndicate.translation.placeholders import from_dicts
from syndicate.translation.publish import publish, source_is_current
from syndicate.translation.states import JobState, record, transition
from syndicate.translation.tables import TranslationJob, TranslationSegment

log = logging.getLogger("syndicate.translation")

__all__ = ["TRANSLATE", "plan_translations", "translate"]


@dataclass(frozen=True)
class Work:
    job_id: int
    source: str
    target: str
    segments: list[Segment]


def side_sessions(uow: UnitOfWork) -> Callable[[], AbstractContextManager[Session]]:
    """Short transactions on the step's engine, outside the step's own transaction."""
    bind = uow.session.get_bind()

    @contextmanager
    def session() -> Iterator[Session]:
        with Session(bind, expire_on_commit=False) as s, s.begin():
            yield s

    return session


def _work(sessions: Callable[[], AbstractContextManager[Session]], job_id: int) -> Work | None:
    with sessions() as session:
        job = session.get(TranslationJob, job_id)
        if job is None or job.state != JobState.queued:
            return None
        rows = session.scalars(
            select(TranslationSegment)
            .where(TranslationSegment.job_id == job_id, TranslationSegment.status.in_(("pending", "failed")))
            .order_by(TranslationSegment.position)
        )
        segments = [Segment(r.key, r.source_text, from_dicts(r.placeholders)) for r in rows]
        return Work(job_id, job.source_language, job.target_language, segments)


def translate(uow: UnitOfWork, settings: Settings, job_ids: list[int]) -> None:
    """Draft each queued job through its chain of backends."""
    sessions = side_sessions(uow)
    context = BackendContext(sessions, settings)
    # Half the task's time limit for providers: the rest is for storing, and a cut-off run resumes.
    budget = settings.task_time_limit / 2 / max(1, len(job_ids))
    results: list[tuple[Work, Drafts]] = []
    for job_id in job_ids:
        work = _work(sessions, job_id)
        if work is not None:
            with log_context(job=job_id, language=work.target, source_language=work.source):
                drafts = (
                    draft(context, work.source, work.target, work.segments, budget=budget)
                    if work.segments
                    else Drafts()
                )
            results.append((work, drafts))
    # Phase 3: from here on the step's own transaction is used.
    done = [i for i in job_ids if i not in {w.job_id for w, _ in results}]
    for work, drafts in results:
        with log_context(job=work.job_id, language=work.target):
            if _apply(uow, settings, work, drafts):
                done.append(work.job_id)
    complete(uow.session, TRANSLATE, done)


def _apply(uow: UnitOfWork, settings: Settings, work: Work, drafts: Drafts) -> bool:
    """Store the drafts and move the job on; False when the job must be tried again later."""
    session = uow.session
    job = session.scalar(locked(select(TranslationJob).where(TranslationJob.id == work.job_id)))
    if job is None or job.state != JobState.queued:
        return True
    # The source is locked (and read afresh) before anything is stored: a correction or a
    # withdrawal either committed before this point and is seen here, or waits for this
    # transaction, whose publication it then supersedes.
    if not source_is_current(session, job, actor=SYSTEM):
        return True
    pending = [s.key for s in work.segments]
    if drafts.retry_later(pending):
        job.last_error = "; ".join(drafts.notes)[:2000]
        _retry_later(session, settings, job.id, drafts)
        return False
    rows = session.scalars(select(TranslationSegment).where(TranslationSegment.job_id == job.id))
    segments = {s.key: s for s in rows}
    now = utcnow()
    for key in pending:
        seg = segments[key]
        seg.updated_at = now
        if key in drafts.texts:
            seg.draft_text, seg.draft_origin, seg.status, seg.error = (
                drafts.texts[key],
                drafts.origins[key],
                "drafted",
                None,
            )
        elif key in drafts.errors:
            seg.status, seg.error = "failed", "; ".join(drafts.errors[key])[:2000]
        elif drafts.waiting:
            seg.status = "waiting"
        else:
            # The chain ended without a human desk and nobody tried: say why (not configured...).
            seg.status, seg.error = "failed", ("; ".join(drafts.notes) or "no backend serves this pair")[:2000]
    job.last_error = None
    _advance(uow, settings, job, list(segments.values()), drafts)
    return True


def _advance(
    uow: UnitOfWork, settings: Settings, job: TranslationJob, segments: list[TranslationSegment], drafts: Drafts
) -> None:
    session = uow.session
    actor = _actor(drafts)
    failed = [s for s in segments if s.status == "failed"]
    # A copied segment (names and numbers only) is no draft: alone it leaves the job to the desk.
    drafted = [s for s in segments if s.draft_text is not None and s.draft_origin != "copy"]
    # "machine": something in it is unreviewed (a machine's, or an unapproved carried edit): labelled.
    job.drafted_by = (
        "machine" if any(unreviewed(s.draft_origin) for s in drafted) else ("memory" if drafted else "none")
    )
    notes = "; ".join(drafts.notes) or None
    if failed and not drafts.waiting:
        reasons = "; ".join(f"{s.key}: {s.error}" for s in failed)
        job.failure_reason = reasons[:4000]
        transition(session, job, JobState.failed, actor=actor, note=reasons[:2000])
        return
    if not drafted:
        transition(session, job, JobState.in_review, actor="backend:human", note=notes or "waiting for a translator")
        return
    transition(session, job, JobState.drafted, actor=actor, note=notes)
    complete_draft = all(s.draft_text is not None for s in segments)
    if job.publish_mode == "machine" and complete_draft:
        try:
            machine = job.drafted_by == "machine"
            published = publish(uow, settings, job, actor=actor, machine=machine)
        except ValidationFailed as exc:
            record(session, job, "publish_refused", actor=actor, note=str(exc)[:2000])
            return
        if published is not None:
            label = "machine draft" if machine else "draft from memory"
            note = f"{label} published as v{job.published_version}; review pending"
            record(session, job, "published_draft", actor=actor, note=note)


def _actor(drafts: Drafts) -> str:
    machines = sorted({o.split(":", 1)[1] for o in drafts.origins.values() if o.startswith("machine:")})
    if machines:
        return "backend:" + ",".join(machines)
    return "backend:memory" if drafts.origins else SYSTEM


def _retry_later(session: Session, settings: Settings, job_id: int, drafts: Drafts) -> None:
    """Keep the step owed; the sweeper sends it again after the provider's hint or the deadline."""
    hint = drafts.retry_after
    delay = hint if hint is not None else settings.translation_max_backoff_seconds
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key == Message(TRANSLATE, job_id).key, OutboxMessage.status == "pending")
        .values(
            attempts=OutboxMessage.attempts + 1,
            due_at=utcnow() + timedelta(seconds=max(delay, 1.0)),
            last_error="; ".join(drafts.notes)[:2000],
        )
    )
    log.warning("translation job postponed", extra={"job": job_id, "retry_in": delay})


def plan_translations(uow: UnitOfWork, settings: Settings, article: Article, version: ArticleVersion) -> None:
    """``hooks.PROCESSED`` entry: plan, stale or cancel jobs for a processed newsroom version."""
    plan(uow, settings, article, version)
