"""Running steps: one step in one transaction, and the in-process queue."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from syndicate.logs import log_context
from syndicate.pipeline.outbox import Dispatcher, Message, record_run_time, unit_of_work
from syndicate.pipeline.registry import STEPS
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.types import utcnow

Executor = Callable[[str, list[int]], None]


def run_step(db: Database, dispatcher: Dispatcher, settings: Settings, step: str, ids: Sequence[int]) -> None:
    """Run ``step`` for ``ids`` in one transaction; the next steps go out after commit.

    The rows the step completed record how long it ran (``outbox.run_seconds``):
    task time is kept in the database, so any process's ``/metrics`` shows every
    worker's, whatever pool or machine it runs on.
    """
    info = STEPS[step]
    since, started = utcnow(), time.perf_counter()
    with log_context(step=step), unit_of_work(db, dispatcher, settings.step_deadline_seconds) as uow:
        info.fn(uow, settings, list(ids))
        record_run_time(uow.session, step, ids, since=since, seconds=time.perf_counter() - started)


def batches(messages: Sequence[Message]) -> list[tuple[str, list[int]]]:
    """Group messages by step, in first-seen order, cut to each step's batch size."""
    by_step: dict[str, list[int]] = {}
    for m in messages:
        ids = by_step.setdefault(m.step, [])
        if m.subject_id not in ids:
            ids.append(m.subject_id)
    out = []
    for step, ids in by_step.items():
        size = STEPS[step].batch if step in STEPS else 1
        out += [(step, ids[i : i + size]) for i in range(0, len(ids), size)]
    return out


class LocalQueue:
    """A dispatcher that runs steps in this process, in FIFO order.

    A message already waiting is not queued twice, which coalesces feed
    rebuilds: a batch of articles leads to one rebuild per feed at the end.
    """

    def __init__(self, executor: Executor):
        self.executor = executor
        self.pending: deque[Message] = deque()
        self.waiting: set[Message] = set()
        self.executed: dict[str, int] = {}

    def send(self, messages: Sequence[Message]) -> None:
        for m in messages:
            if m not in self.waiting:
                self.waiting.add(m)
                self.pending.append(m)

    def drain(self, on_step: Callable[[str, int], None] | None = None) -> int:
        """Run until nothing is waiting; returns how many subjects were processed."""
        total = 0
        while self.pending:
            head = self.pending[0].step
            size = STEPS[head].batch if head in STEPS else 1
            ids: list[int] = []
            rest: deque[Message] = deque()
            while self.pending:
                m = self.pending.popleft()
                if m.step == head and len(ids) < size:
                    ids.append(m.subject_id)
                    self.waiting.discard(m)
                else:
                    rest.append(m)
            self.pending = rest
            self.executor(head, ids)
            self.executed[head] = self.executed.get(head, 0) + len(ids)
            total += len(ids)
            if on_step:
                on_step(head, len(ids))
        return total


class InlineDispatcher:
    """Runs owed steps right away in this process (API or CLI without a broker).

    Library-level twin of the Celery path: the same step functions, the same
    outbox bookkeeping, no Celery. Re-entrant sends during a drain just queue.
    """

    def __init__(self, db: Database, settings: Settings):
        self.queue = LocalQueue(lambda step, ids: run_step(db, self, settings, step, ids))
        self._draining = False
        # The API calls this from several threads: one drains at a time; the draining thread's
        # own sends (the next steps) re-enter and only queue.
        self._lock = threading.RLock()

    def send(self, messages: Sequence[Message]) -> None:
        with self._lock:
            self.queue.send(messages)
            if self._draining:
                return
            self._draining = True
            try:
                self.queue.drain()
            finally:
                self._draining = False
