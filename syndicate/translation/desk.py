"""The desk: what translators and editors do with jobs (the API and the CLI both call these).

Translators and editors list jobs, read one (source and draft side by side,
the protected names that apply and similar segments from the memory) and
submit edited segments. Editors approve, which stores the segments in the
memory and publishes the translation, or reject with a note. Edits are
masked texts: every ``<x id="N"/>`` of the source segment must be kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syndicate.errors import InvalidTransition, NotFound, PlaceholderMismatch, Problem, ValidationFailed
from syndicate.pipeline.outbox import UnitOfWork
from syndicate.settings import Settings
from syndicate.storage.db import locked
from syndicate.storage.models import Article
from syndicate.storage.types import utcnow
from syndicate.translation import breaker, memory
from syndicate.translation.jobs import TRANSLATE
from syndicate.translation.placeholders import check, from_dicts, restore
from syndicate.translation.publish import publish, segments_of
from syndicate.translation.states import DESK, JobState, can, record, transition
from syndicate.translation.tables import TranslationEvent, TranslationJob

EDITABLE = frozenset({JobState.queued, JobState.drafted, JobState.in_review, JobState.rejected, JobState.failed})


def get_job(session: Session, job_id: int, *, lock: bool = False) -> TranslationJob:
    query = select(TranslationJob).where(TranslationJob.id == job_id)
    job = session.scalar(locked(query) if lock else query)
    if job is None:
        raise NotFound(f"no translation job {job_id}")
    return job


def list_jobs(
    session: Session,
    *,
    language: str | None = None,
    states: list[str] | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Jobs by target language and state, oldest first (the desk's queue); default: what needs people."""
    wanted = states or [str(s) for s in DESK]
    query = select(TranslationJob, Article.newsroom_id).join(Article, Article.id == TranslationJob.source_article_id)
    query = query.where(TranslationJob.state.in_(wanted))
    if language:
        query = query.where(TranslationJob.target_language == language)
    rows = session.execute(query.order_by(TranslationJob.created_at, TranslationJob.id).limit(limit))
    return [_summary(job, newsroom_id) for job, newsroom_id in rows]


def _summary(job: TranslationJob, newsroom_id: str) -> dict[str, Any]:
    return {
        "id": job.id,
        "state": job.state,
        "source": {"id": newsroom_id, "version": job.source_version, "language": job.source_language},
        "target_language": job.target_language,
        "section": job.section,
        "publish_mode": job.publish_mode,
        "drafted_by": job.drafted_by,
        "machine_published": job.machine_published,
        "failure_reason": job.failure_reason,
        "updated_at": job.updated_at.isoformat(),
    }


def job_view(session: Session, settings: Settings, job_id: int) -> dict[str, Any]:
    """One job for the desk: source and draft side by side, names, memory matches, history."""
    job = get_job(session, job_id)
    source = session.get(Article, job.source_article_id)
    assert source is not None
    view = _summary(job, source.newsroom_id)
    view.update(last_error=job.last_error, note=job.note)
    translation = session.get(Article, job.translation_article_id) if job.translation_article_id else None
    view["translation"] = (
        {
            "id": translation.newsroom_id,
            "version": job.published_version,
            "machine_translated": translation.machine_translated,
            "withdrawn": translation.withdrawn,
        }
        if translation
        else None
    )
    segments, terms = [], {}
    for seg in segments_of(session, job):
        placeholders = from_dicts(seg.placeholders)
        terms.update({p.source: p.target for p in placeholders if p.kind == "term"})
        matches = memory.fuzzy(
            session,
            job.source_language,
            job.target_language,
            seg.source_text,
            threshold=settings.translation_fuzzy_threshold,
            limit=settings.translation_fuzzy_limit,
        )
        segments.append(
            {
                "key": seg.key,
                "kind": seg.kind,
                "html": seg.html,
                "status": seg.status,
                "source": restore(seg.source_text, placeholders, html=seg.html, side="source"),
                "source_masked": seg.source_text,
                "draft": restore(seg.draft_text, placeholders, html=seg.html) if seg.draft_text else None,
                "draft_masked": seg.draft_text,
                "draft_origin": seg.draft_origin,
                "translation": restore(seg.target_text, placeholders, html=seg.html) if seg.target_text else None,
                "translation_masked": seg.target_text,
                "edited_by": seg.edited_by,
                "error": seg.error,
                "placeholders": [p.as_dict() for p in placeholders],
                "memory": [m.as_dict() for m in matches],
            }
        )
    view["segments"] = segments
    view["terms"] = [{"source": s, "target": t} for s, t in sorted(terms.items())]
    events = session.scalars(
        select(TranslationEvent).where(TranslationEvent.job_id == job.id).order_by(TranslationEvent.id)
    )
    view["events"] = [
        {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "from": e.from_state, "to": e.to_state}
        | ({"note": e.note} if e.note else {})
        for e in events
    ]
    return view


def submit(uow: UnitOfWork, job_id: int, edits: dict[str, str], *, actor: str) -> TranslationJob:
    """Store edited segments (masked, placeholders kept); the job is then in review."""
    session = uow.session
    job = get_job(session, job_id, lock=True)
    if JobState(job.state) not in EDITABLE:
        raise InvalidTransition(f"translation job {job.id} is {job.state}; its segments can no longer be edited")
    segments = {s.key: s for s in segments_of(session, job)}
    problems, checked = [], {}
    for key, text in edits.items():
        seg = segments.get(key)
        if seg is None:
            problems.append(Problem(f"segments.{key}", "no such segment in this job"))
            continue
        try:
            checked[key] = check(text, from_dicts(seg.placeholders))
        except PlaceholderMismatch as exc:
            problems.append(Problem(f"segments.{key}", str(exc)))
    if problems:
        raise ValidationFailed(problems)
    if not checked:
        raise ValidationFailed([Problem("segments", "no segment given")])
    now = utcnow()
    for key, text in checked.items():
        seg = segments[key]
        seg.target_text, seg.status, seg.error, seg.edited_by, seg.updated_at = text, "edited", None, actor, now
    note = f"{len(checked)} segment(s): {', '.join(sorted(checked))}"[:2000]
    if job.state != JobState.in_review:
        transition(session, job, JobState.in_review, actor=actor, action="edited", note=note)
    else:
        record(session, job, "edited", actor=actor, note=note)
    return job


def approve(uow: UnitOfWork, settings: Settings, job_id: int, *, actor: str, note: str | None = None) -> TranslationJob:
    """Approve every segment: they join the memory, and the translation is published (if still current)."""
    session = uow.session
    job = get_job(session, job_id, lock=True)
    if not can(job, JobState.approved):
        raise InvalidTransition(f"translation job {job.id} is {job.state}; it cannot be approved")
    segments = segments_of(session, job)
    missing = [Problem(f"segments.{s.key}", "has no translation yet") for s in segments if s.text is None]
    if missing:
        raise ValidationFailed(missing)
    transition(session, job, JobState.approved, actor=actor, note=note)
    job.note = note
    memory.remember(
        session,
        job.source_language,
        job.target_language,
        [(s.source_text, s.text or "") for s in segments],
        origin=f"job:{job.id} {actor}",
    )
    if publish(uow, settings, job, actor=actor, machine=False) is not None:
        transition(session, job, JobState.published, actor=actor, note=f"v{job.published_version}")
    return job


def reject(uow: UnitOfWork, job_id: int, *, actor: str, note: str) -> TranslationJob:
    """Send the job back to the translators with a note."""
    if not note or not note.strip():
        raise ValidationFailed([Problem("note", "a rejection needs a note for the translator")])
    session = uow.session
    job = get_job(session, job_id, lock=True)
    transition(session, job, JobState.rejected, actor=actor, note=note)
    job.note = note
    return job


def retry(uow: UnitOfWork, job_id: int, *, actor: str) -> TranslationJob:
    """Draft again by machine: a failed or rejected job is queued; human edits are kept."""
    session = uow.session
    job = get_job(session, job_id, lock=True)
    transition(session, job, JobState.queued, actor=actor, action="retry")
    for seg in segments_of(session, job):
        if seg.target_text is None:
            seg.draft_text, seg.draft_origin, seg.status, seg.error = None, None, "pending", None
    job.failure_reason = None
    uow.owe(TRANSLATE, job.id)
    return job


def counts(session: Session) -> dict[str, dict[str, int]]:
    """Jobs per target language and state (the desk's overview)."""
    rows = session.execute(
        select(TranslationJob.target_language, TranslationJob.state, func.count()).group_by(
            TranslationJob.target_language, TranslationJob.state
        )
    )
    out: dict[str, dict[str, int]] = {}
    for language, state, n in rows:
        out.setdefault(language, {})[state] = n
    return out


def backends(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """Every backend: configured or not, the routes that use it, what it serves, circuit state."""
    from syndicate.translation.backends import backend_settings, registry

    names = sorted(registry())
    health = {h.name: h for h in breaker.health(session, names)}
    out = []
    for name in names:
        cls = registry()[name]
        config = backend_settings(settings, name)
        codes = cls.codes(config.language_codes if config else None)
        h = health[name]
        out.append(
            {
                "name": name,
                "kind": cls.kind,
                "configured": config is not None,
                "routes": sorted(k for k, chain in settings.translation_routes.items() if name in chain),
                "languages": {lang: code for lang, code in sorted(codes.items()) if code is not None},
                "state": h.state if cls.kind == "machine" else "n/a",
                "consecutive_failures": h.consecutive_failures,
                "open_until": h.open_until.isoformat() if h.open_until else None,
                "last_error": h.last_error,
                "last_failure_at": h.last_failure_at.isoformat() if h.last_failure_at else None,
                "last_success_at": h.last_success_at.isoformat() if h.last_success_at else None,
                "calls": h.calls,
                "failures": h.failures,
            }
        )
    return out
