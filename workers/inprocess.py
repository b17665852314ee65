"""The embedded default: the same Celery tasks, executed in this process, no broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from syndicate.pipeline.run import LocalQueue
from workers.dispatch import use_dispatcher
from workers.tasks import STEP_TASKS


def _execute(step: str, ids: list[int]) -> None:
    # Task.apply runs the task body locally through Celery's own machinery (serialised
    # arguments, base class, retries) without a broker.
    STEP_TASKS[step].apply(args=[ids], throw=True)


@contextmanager
def in_process(executor: Callable[[str, list[int]], None] = _execute) -> Iterator[LocalQueue]:
    """Route every owed step to a local FIFO queue; ``drain()`` runs them."""
    queue = LocalQueue(executor)
    with use_dispatcher(queue):
        yield queue
