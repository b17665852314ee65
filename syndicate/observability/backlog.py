"""A snapshot of the backlog and the failures, read from the database in a few grouped queries.

Used by ``syndicate status``, the ``/metrics`` collector and ``/readyz``. Queue
depths come from the broker and are passed in by the caller (the library does
not talk to Redis).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from syndicate.partners.tables import DEAD, DELIVERED, OPEN, PENDING, Delivery, Partner
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, Feed, OutboxMessage
from syndicate.storage.types import utcnow
from syndicate.translation.states import JobState
from syndicate.translation.tables import BackendHealth, TranslationJob

ARTICLE_STATES = ("public", "embargoed", "unreleased", "withdrawn")
LATENCY_WINDOW = timedelta(minutes=15)
LATENCY_SAMPLE = 20_000  # most done rows read for the latency quantiles


@dataclass(frozen=True)
class StepBacklog:
    """Pending outbox rows of one step."""

    step: str
    pending: int
    overdue: int  # past their deadline: lost or slow, the sweeper re-sends them
    retried: int  # already attempted at least once
    oldest_seconds: float  # since the oldest pending row was owed


@dataclass(frozen=True)
class Latency:
    """From owed to done, over the steps completed in the last ``LATENCY_WINDOW``."""

    count: int
    p50: float
    p95: float
    max: float


@dataclass(frozen=True)
class Circuit:
    kind: str  # partner | translation backend
    name: str
    state: str  # open | half-open
    until: str | None


@dataclass(frozen=True)
class Failure:
    what: str
    attempts: int
    error: str


@dataclass
class Backlog:
    at: datetime
    steps: list[StepBacklog]
    articles: dict[str, int]
    unprocessed_versions: int
    translation_jobs: dict[str, int]
    deliveries: dict[str, int]
    dead_letters: int
    circuits: list[Circuit]
    dirty_feeds: int
    oldest_dirty_seconds: float
    feed_rebuilds: dict[str, int]
    latency: dict[str, Latency]
    failures: list[Failure]
    # How long the task that completed each row ran, over the same rows as ``latency``.
    task_time: dict[str, Latency] = field(default_factory=dict)
    queues: dict[str, int] = field(default_factory=dict)
    queue_bound: int = 0
    queue_error: str | None = None

    @property
    def over_bound(self) -> dict[str, int]:
        """Queues that reached the configured bound (the dispatcher holds new work back)."""
        if self.queue_bound <= 0:
            return {}
        return {q: n for q, n in self.queues.items() if q != "unacked" and n >= self.queue_bound}

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        data["over_bound"] = self.over_bound
        return data


def _age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def _steps(session: Session, now: datetime) -> list[StepBacklog]:
    from syndicate.pipeline.registry import STEPS  # the registry wires every capability: import it late

    rows = session.execute(
        select(
            OutboxMessage.step,
            func.count(),
            func.sum(case((OutboxMessage.due_at <= now, 1), else_=0)),
            func.sum(case((OutboxMessage.attempts > 0, 1), else_=0)),
            func.min(OutboxMessage.created_at),
        )
        .where(OutboxMessage.status == "pending")
        .group_by(OutboxMessage.step)
        .order_by(OutboxMessage.step)
    )
    found = {
        step: StepBacklog(step, n, int(over or 0), int(tried or 0), _age(now, oldest))
        for step, n, over, tried, oldest in rows
    }
    return [found.get(step) or StepBacklog(step, 0, 0, 0, 0.0) for step in sorted(set(STEPS) | set(found))]


def _articles(session: Session) -> dict[str, int]:
    state = case(
        (Article.withdrawn.is_(True), "withdrawn"),
        (Article.released.is_(True), "public"),
        (Article.embargo_until.is_not(None), "embargoed"),
        else_="unreleased",
    )
    counts = dict.fromkeys(ARTICLE_STATES, 0)
    counts.update({str(s): int(n) for s, n in session.execute(select(state, func.count()).group_by(state))})
    return counts


def _by(session: Session, column: Any, known: tuple[str, ...] = ()) -> dict[str, int]:
    """Rows per value of ``column``; ``known`` values are always present (0 when none), for steady series."""
    counts = {k: 0 for k in known}
    counts.update({str(k): int(n) for k, n in session.execute(select(column, func.count()).group_by(column))})
    return counts


def _circuits(session: Session, now: datetime) -> list[Circuit]:
    out = []
    for p in session.scalars(select(Partner).where(Partner.circuit == OPEN).order_by(Partner.name)):
        state = "open" if p.circuit_until is not None and p.circuit_until > now else "half-open"
        out.append(Circuit("partner", p.name, state, p.circuit_until.isoformat() if p.circuit_until else None))
    for b in session.scalars(select(BackendHealth).where(BackendHealth.open_until.is_not(None))):
        assert b.open_until is not None
        state = "open" if b.open_until > now else "half-open"
        out.append(Circuit("translation backend", b.name, state, b.open_until.isoformat()))
    return out


def _latency(session: Session, now: datetime) -> tuple[dict[str, Latency], dict[str, Latency]]:
    """(owed to done, task run time) per step, over the rows completed in the last ``LATENCY_WINDOW``."""
    rows = session.execute(
        select(OutboxMessage.step, OutboxMessage.created_at, OutboxMessage.done_at, OutboxMessage.run_seconds)
        .where(OutboxMessage.status == "done", OutboxMessage.done_at >= now - LATENCY_WINDOW)
        .limit(LATENCY_SAMPLE)
    )
    waits: dict[str, list[float]] = {}
    runs: dict[str, list[float]] = {}
    for step, owed, done, ran in rows:
        if done is not None:
            waits.setdefault(step, []).append(max(0.0, (done - owed).total_seconds()))
        if ran is not None:
            runs.setdefault(step, []).append(float(ran))
    return _summaries(waits), _summaries(runs)


def _summaries(samples: dict[str, list[float]]) -> dict[str, Latency]:
    out = {}
    for step, values in sorted(samples.items()):
        values.sort()
        out[step] = Latency(len(values), _quantile(values, 0.5), _quantile(values, 0.95), values[-1])
    return out


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rebuilds(session: Session) -> dict[str, int]:
    rows = session.execute(select(Feed.kind, func.sum(Feed.render_count)).group_by(Feed.kind))
    return {str(kind): int(n or 0) for kind, n in rows}


def _failures(session: Session, limit: int) -> list[Failure]:
    out = []
    stuck = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.attempts.desc(), OutboxMessage.id)
        .limit(limit)
    )
    out += [Failure(f"step {r.key}", r.attempts, (r.last_error or "")[:300]) for r in stuck]
    dead = session.execute(
        select(Delivery.id, Partner.name, Delivery.attempts, Delivery.last_error)
        .join(Partner, Partner.id == Delivery.partner_id)
        .where(Delivery.state == DEAD)
        .order_by(Delivery.dead_at.desc(), Delivery.id.desc())
        .limit(limit)
    )
    out += [Failure(f"dead delivery {i} to {name}", n, (err or "")[:300]) for i, name, n, err in dead]
    failed = session.scalars(
        select(TranslationJob)
        .where(TranslationJob.state == "failed")
        .order_by(TranslationJob.updated_at.desc(), TranslationJob.id.desc())
        .limit(limit)
    )
    out += [
        Failure(f"translation job {j.id} into {j.target_language}", 0, (j.failure_reason or "")[:300]) for j in failed
    ]
    return out


def snapshot(session: Session, *, now: datetime | None = None, failures: int = 10) -> Backlog:
    """The backlog as it stands (queue depths are the caller's to add)."""
    now = now or utcnow()
    dirty = session.execute(
        select(func.count(), func.min(Feed.dirty_since)).where(Feed.change_seq > Feed.rendered_seq)
    ).one()
    deliveries = _by(session, Delivery.state, (PENDING, DELIVERED, DEAD))
    latency, task_time = _latency(session, now)
    return Backlog(
        at=now,
        steps=_steps(session, now),
        articles=_articles(session),
        unprocessed_versions=int(
            session.scalar(
                select(func.count()).select_from(ArticleVersion).where(ArticleVersion.processed_at.is_(None))
            )
            or 0
        ),
        translation_jobs=_by(session, TranslationJob.state, tuple(JobState)),
        deliveries=deliveries,
        dead_letters=deliveries.get(DEAD, 0),
        circuits=_circuits(session, now),
        dirty_feeds=int(dirty[0] or 0),
        oldest_dirty_seconds=_age(now, dirty[1]),
        feed_rebuilds=_rebuilds(session),
        latency=latency,
        failures=_failures(session, failures),
        task_time=task_time,
    )


QueueReader = Callable[[], dict[str, int]]


def current(db: Database, settings: Settings, queues: QueueReader | None = None) -> Backlog:
    """The snapshot plus the broker's queue depths (left empty when the broker cannot be read)."""
    with db.read() as session:
        backlog = snapshot(session)
    backlog.queue_bound = settings.queue_max_depth
    if queues is not None:
        try:
            backlog.queues = queues()
        except Exception as exc:  # a report must not fail because the broker is down
            backlog.queue_error = f"{type(exc).__name__}: {str(exc)[:200]}"
    return backlog
