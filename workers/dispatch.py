"""Dispatch owed steps to Celery, after the transaction that owes them has committed."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

import redis
import redis.lock

from syndicate.pipeline.outbox import Dispatcher, Message
from syndicate.pipeline.publish import RENDER
from syndicate.pipeline.registry import STEPS
from syndicate.pipeline.run import batches
from syndicate.settings import get_settings
from workers.app import QUEUES, app
from workers.queues import QueueGauge, broker_redis_url

log = logging.getLogger("syndicate.dispatch")
# A queue holding more than this is still working through a backlog: the sweeper waits for it
# (for a bounded time, see ``syndicate.pipeline.sweeper.STARVING_AFTER``).
RESEND_LOW_WATER = 20
SCHEDULED = "syndicate:render:scheduled:{}"
LOCK = "syndicate:render:lock:{}"


@lru_cache(maxsize=4)
def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def get_redis() -> redis.Redis | None:
    url = get_settings().effective_redis_url
    return redis_client(url) if url else None


class CeleryDispatcher:
    """Sends owed steps as Celery tasks, batched; feed rebuilds are debounced in Redis.

    A queue holding ``queue_max_depth`` messages gets no more: the work stays
    owed in the outbox and the sweeper sends it once the queue has drained,
    so Redis never holds more than the bound (plus one batch) per queue.
    """

    def __init__(self) -> None:
        self.gauge = QueueGauge()

    def send(self, messages: Sequence[Message]) -> None:
        self._send(messages, resend=False)

    def busy_steps(self) -> set[str]:
        """Steps whose queue holds a backlog: overdue rows of these are probably queued, not lost."""
        url = broker_redis_url(get_settings())
        if url is None:
            return set()
        depths = self.gauge.depths(url, QUEUES)
        return {step for step, info in STEPS.items() if depths.get(info.queue, 0) > RESEND_LOW_WATER}

    def resend(self, messages: Sequence[Message]) -> None:
        """The sweeper's re-send of overdue steps: a lost debounced rebuild is sent at once."""
        self._send(messages, resend=True)

    def _send(self, messages: Sequence[Message], *, resend: bool) -> None:
        settings = get_settings()
        renders = [m for m in messages if m.step == RENDER]
        others = [m for m in messages if m.step != RENDER]
        held = 0
        try:
            for step, ids in batches(others):
                if self.gauge.full(settings, STEPS[step].queue, QUEUES):
                    held += len(ids)
                    continue
                app.send_task(f"syndicate.{step}", args=[ids], queue=STEPS[step].queue)
            if renders and self.gauge.full(settings, STEPS[RENDER].queue, QUEUES):
                held += len(renders)
                renders = []
            for m in renders:
                if resend:
                    self._resend_render(m.subject_id)
                else:
                    longest = max(
                        settings.render_max_delay_seconds,
                        settings.render_min_interval_seconds,
                        settings.render_min_interval_narrow_seconds,
                    )
                    self._schedule_render(m.subject_id, settings.render_debounce_seconds, longest)
        except Exception:
            # The rows are committed and pending: the sweeper sends them once due.
            log.exception("dispatch failed; the sweeper will re-send", extra={"messages": len(messages)})
        if held:
            log.warning("queue over its bound: work left to the sweeper", extra={"messages": held})

    def _resend_render(self, feed_id: int) -> None:
        # The scheduled marker may outlive a lost task (worker killed while holding its countdown).
        client = get_redis()
        if client is not None:
            client.delete(SCHEDULED.format(feed_id))
        app.send_task(f"syndicate.{RENDER}", args=[[feed_id]], queue=STEPS[RENDER].queue)

    def _schedule_render(self, feed_id: int, debounce: float, max_delay: float) -> None:
        client = get_redis()
        if client is not None:
            ttl_ms = int((max_delay + debounce) * 1000) + 30_000
            if not client.set(SCHEDULED.format(feed_id), 1, nx=True, px=ttl_ms):
                return  # a rebuild is already scheduled and will read the newest data
        app.send_task(f"syndicate.{RENDER}", args=[[feed_id]], queue=STEPS[RENDER].queue, countdown=debounce)

    def reschedule_render(self, feed_id: int, delay: float) -> None:
        app.send_task(f"syndicate.{RENDER}", args=[[feed_id]], queue=STEPS[RENDER].queue, countdown=delay)

    def render_started(self, feed_id: int) -> None:
        """The next change after this point needs a rebuild of its own: let it schedule one."""
        client = get_redis()
        if client is not None:
            client.delete(SCHEDULED.format(feed_id))

    def render_lock(self, feed_id: int, ttl: float) -> redis.lock.Lock | None:
        """A lock on rebuilding one feed, or None when another worker holds it.

        Two workers rebuilding the same feed would queue on its row lock (on
        SQLite, on the database's only write lock); the second one waits in
        Redis instead, without a connection or a transaction.
        """
        client = get_redis()
        if client is None:
            return None
        lock = client.lock(LOCK.format(feed_id), timeout=ttl, blocking=False)
        return lock if lock.acquire(blocking=False) else None


_celery = CeleryDispatcher()
_override: list[Dispatcher] = []


def dispatcher() -> Dispatcher:
    """Where tasks send their next steps: Celery, unless the in-process runner is active."""
    return _override[-1] if _override else _celery


@contextmanager
def use_dispatcher(d: Dispatcher) -> Iterator[None]:
    _override.append(d)
    try:
        yield
    finally:
        _override.pop()
