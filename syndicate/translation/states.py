"""The job state machine. Every move goes through :func:`transition` and is recorded.

::

    queued ──► drafted ──► in_review ──► approved ──► published
      │  └──────────────────►┘  │  ▲          │
      ▼                         ▼  │          ▼
    failed ───────────────► rejected       cancelled / stale (from any open state)

``queued → in_review`` is the human desk: no machine serves the pair, the job
waits for a translator. ``stale``: the source got a newer version (a new job
redoes only the changed segments). ``cancelled``: the source was withdrawn or
the newsroom published its own version in that language.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from syndicate.errors import InvalidTransition
from syndicate.storage.types import utcnow
from syndicate.translation.tables import TranslationEvent, TranslationJob


class JobState(StrEnum):
    queued = "queued"
    drafted = "drafted"
    in_review = "in_review"
    approved = "approved"
    published = "published"
    rejected = "rejected"
    failed = "failed"
    stale = "stale"
    cancelled = "cancelled"


S = JobState
ALLOWED: dict[JobState, frozenset[JobState]] = {
    S.queued: frozenset({S.drafted, S.in_review, S.failed, S.stale, S.cancelled}),
    S.drafted: frozenset({S.in_review, S.approved, S.rejected, S.stale, S.cancelled}),
    S.in_review: frozenset({S.approved, S.rejected, S.stale, S.cancelled}),
    S.approved: frozenset({S.published, S.stale, S.cancelled}),
    S.rejected: frozenset({S.queued, S.in_review, S.stale, S.cancelled}),
    S.failed: frozenset({S.queued, S.in_review, S.stale, S.cancelled}),
    S.published: frozenset({S.cancelled}),
    S.stale: frozenset(),
    S.cancelled: frozenset(),
}
# A newer source version makes these jobs stale; a withdrawal cancels them (and published ones).
OPEN = frozenset({S.queued, S.drafted, S.in_review, S.approved, S.rejected, S.failed})
# What the desk works on.
DESK = frozenset({S.drafted, S.in_review, S.rejected, S.failed})


def can(job: TranslationJob, to: JobState) -> bool:
    return to in ALLOWED[JobState(job.state)]


def transition(
    session: Session,
    job: TranslationJob,
    to: JobState,
    *,
    actor: str,
    action: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> TranslationEvent:
    """Move ``job`` to ``to`` and record who did it; refuses moves the machine does not allow."""
    current = JobState(job.state)
    if to not in ALLOWED[current]:
        raise InvalidTransition(f"translation job {job.id} is {current}; it cannot become {to}")
    return record(session, job, action or str(to), to=to, actor=actor, note=note, now=now)


def record(
    session: Session,
    job: TranslationJob,
    action: str,
    *,
    actor: str,
    to: JobState | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> TranslationEvent:
    """Record an event; with ``to`` the job also changes state (checked by :func:`transition`)."""
    now = now or utcnow()
    event = TranslationEvent(
        job_id=job.id,
        at=now,
        actor=actor[:80],
        action=action[:32],
        from_state=None if action == "planned" else job.state,
        to_state=str(to or job.state),
        note=note,
    )
    if to is not None:
        job.state = str(to)
    job.updated_at = now
    session.add(event)
    return event
