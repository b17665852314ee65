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

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from syndicate.storage.db import Database
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
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.key == message.key).with_for_update())
    if row is None:
        session.add(
            OutboxMessage(
                key=message.key,
                step=message.step,
                subject_id=message.subject_id,
                status="pending",
                due_at=deadline(due_in),
            )
        )
        session.flush()
        return True
    if row.status == "pending":
        return False
    # Re-armed: owed again from now (``created_at`` is when the step was last owed).
    row.status, row.attempts, row.due_at, row.done_at, row.last_error, row.created_at = (
        "pending",
        0,
        deadline(due_in),
        None,
        None,
        utcnow(),
    )
    return True


def complete(session: Session, step: str, subject_ids: Iterable[int]) -> None:
    """Mark the outbox rows of a step as done (idempotent)."""
    keys = [Message(step, i).key for i in subject_ids]
    if keys:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key.in_(keys), OutboxMessage.status == "pending")
            .values(status="done", done_at=utcnow(), last_error=None)
        )


def record_failure(session: Session, step: str, subject_id: int, error: str, *, retry_in: float) -> None:
    """Note a failed attempt; the sweeper retries at ``retry_in`` seconds from now."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key == Message(step, subject_id).key)
        .values(attempts=OutboxMessage.attempts + 1, last_error=error[:2000], due_at=deadline(retry_in))
    )


@dataclass
class UnitOfWork:
    """One transaction plus the messages to send once it has committed."""

    session: Session
    step_deadline: float
    messages: list[Message] = field(default_factory=list)

    def owe(self, step: str, subject_id: int, *, due_in: float | None = None) -> None:
        message = Message(step, subject_id)
        if owe(self.session, message, due_in=self.step_deadline if due_in is None else due_in):
            self.messages.append(message)


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
