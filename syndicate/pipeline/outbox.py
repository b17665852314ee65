"""The transactional outbox and the unit of work that dispatches it after commit.

A step is owed from the moment its outbox row commits together with its
cause. Sending the message to a broker is only a hint to do it now: if the
message is lost, the sweeper sends it again once ``due_at`` has passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from syndicate.storage.db import Database, locked
from syndicate.storage.models import OutboxMessage
from syndicate.storage.types import utcnow


@dataclass(frozen=True, order=True)
class Message:
    """``step`` to run for ``subject_id`` (a version, feed, delivery or job id)."""

    step: str
    subject_id: int

    @property
    def key(self) -> str:
        return f"{self.step}:{self.subject_id}"


class Dispatcher(Protocol):
    """Something that runs steps soon: Celery, or the in-process runner."""

    def send(self, messages: Sequence[Message]) -> None: ...


class NullDispatcher:
    """Sends nothing; the sweeper or a later drain picks the work up."""

    def send(self, messages: Sequence[Message]) -> None:
        return None


def deadline(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


def owe(session: Session, message: Message, *, due_in: float) -> bool:
    """Record that ``message`` must run; re-arms a row that was already done.

    Returns True when the row was created or re-armed (a new message is owed).
    """
    return bool(owe_many(session, [message], due_in=due_in))


def owe_many(session: Session, messages: Sequence[Message], *, due_in: float) -> list[Message]:
    """Record that every message must run, in three statements whatever their number.

    Returns the messages newly owed (created, or re-armed after being done),
    in the order given; a message already pending is owed already.
    """
    by_key = {m.key: m for m in messages}
    if not by_key:
        return []
    keys = sorted(by_key)
    # Rows are locked in key order, so two writers owing overlapping sets never deadlock.
    status = dict(
        session.execute(
            locked(
                select(OutboxMessage.key, OutboxMessage.status)
                .where(OutboxMessage.key.in_(keys))
                .order_by(OutboxMessage.key)
            )
        ).all()
    )
    now, due = utcnow(), deadline(due_in)
    missing = [k for k in keys if k not in status]
    rearm = [k for k in keys if status.get(k, "pending") != "pending"]
    if missing:
        session.execute(
            insert(OutboxMessage),
            [
                {
                    "key": k,
                    "step": by_key[k].step,
                    "subject_id": by_key[k].subject_id,
                    "status": "pending",
                    "attempts": 0,
                    "due_at": due,
                    "created_at": now,
                }
                for k in missing
            ],
        )
    if rearm:
        # Re-armed: owed again from now (``created_at`` is when the step was last owed).
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key.in_(rearm))
            .values(status="pending", attempts=0, due_at=due, done_at=None, last_error=None, created_at=now)
        )
    owed = set(missing) | set(rearm)
    return [m for m in dict.fromkeys(messages) if m.key in owed]


def complete(session: Session, step: str, subject_ids: Iterable[int]) -> None:
    """Mark the outbox rows of a step as done (idempotent)."""
    keys = [Message(step, i).key for i in subject_ids]
    if keys:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key.in_(keys), OutboxMessage.status == "pending")
            .values(status="done", done_at=utcnow(), last_error=None)
        )


def record_run_time(
    session: Session, step: str, subject_ids: Iterable[int], *, since: datetime, seconds: float
) -> None:
    """Note how long the task ran on the rows it completed (``done_at`` at or after ``since``).

    Rows it found already done keep the figure of the task that did them; the
    ``/metrics`` task-time gauge reads these from any process.
    """
    keys = [Message(step, i).key for i in subject_ids]
    if keys:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key.in_(keys), OutboxMessage.status == "done", OutboxMessage.done_at >= since)
            .values(run_seconds=seconds)
        )


def any_owed(session: Session, steps: Sequence[str]) -> bool:
    """Whether any of ``steps`` is owed now (one row, through the status index)."""
    owed = select(OutboxMessage.id).where(OutboxMessage.status == "pending", OutboxMessage.step.in_(list(steps)))
    return session.scalar(owed.limit(1)) is not None


def record_failure(session: Session, step: str, subject_id: int, error: str, *, retry_in: float) -> None:
    """Note a failed attempt; the sweeper retries at ``retry_in`` seconds from now."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key == Message(step, subject_id).key)
        .values(attempts=OutboxMessage.attempts + 1, last_error=error[:2000], due_at=deadline(retry_in))
    )


@dataclass
class DeferredFeeds:
    """Feed bookkeeping a transaction over many articles does at its end (``publish.settle_feeds``).

    Positions, archive marks and dirty marks all lock feed rows. Done article
    by article they lock in many statements, out of id order (two such
    transactions deadlock) and early (every rebuild waits on the batch). Done
    together, the batch locks the hot feeds once, in id order, for an instant.
    """

    joins: dict[int, list[int]] = field(default_factory=dict)  # article id -> feeds it joins
    leaving: set[tuple[int, int]] = field(default_factory=set)  # (feed id, position) of removed entries
    dirty: set[int] = field(default_factory=set)
    now: datetime | None = None


@dataclass
class UnitOfWork:
    """One transaction plus the messages to send once it has committed."""

    session: Session
    step_deadline: float
    messages: list[Message] = field(default_factory=list)
    deferred: DeferredFeeds | None = None  # set by transactions over many articles

    def owe(self, step: str, subject_id: int, *, due_in: float | None = None) -> None:
        self.owe_all(step, [subject_id], due_in=due_in)

    def owe_all(self, step: str, subject_ids: Iterable[int], *, due_in: float | None = None) -> None:
        messages = [Message(step, i) for i in subject_ids]
        self.messages += owe_many(self.session, messages, due_in=self.step_deadline if due_in is None else due_in)


@contextmanager
def unit_of_work(db: Database, dispatcher: Dispatcher, step_deadline: float) -> Iterator[UnitOfWork]:
    """Run a transaction; dispatch its owed messages only after it commits.

    If the commit fails nothing is sent. If the process dies between commit and
    send, the rows are still pending and the sweeper sends them.
    """
    with db.transaction() as session:
        uow = UnitOfWork(session, step_deadline)
        yield uow
    if uow.messages:
        dispatcher.send(sorted(set(uow.messages), key=uow.messages.index))
