"""Thin tasks: each loads by id, calls one library step, stores, and owes the next.

Arguments are lists of ids (JSON); the work itself is in ``syndicate.pipeline``.
"""

from __future__ import annotations

import contextlib

import redis.exceptions
from sqlalchemy import select

from syndicate.feeds.coalesce import min_interval, wait_before_render
from syndicate.pipeline.ingest import PROCESS
from syndicate.pipeline.outbox import any_owed
from syndicate.pipeline.publish import RENDER
from syndicate.pipeline.registry import STEPS
from syndicate.pipeline.sweeper import sweep as sweep_once
from syndicate.settings import get_settings
from syndicate.storage.db import get_database
from syndicate.storage.models import Feed
from syndicate.storage.types import utcnow
from syndicate.translation.jobs import TRANSLATE
from workers.app import app
from workers.base import StepTask

# Steps whose work changes feeds again: while any is owed, a feed's rebuilds are spaced out.
FEED_CHANGING = (PROCESS, TRANSLATE)


def task_name(step: str) -> str:
    return f"syndicate.{step}"


class RenderTask(StepTask):
    """Feed rebuilds wait for a quiet moment (bounded), so a burst costs a few rebuilds.

    With Celery, a changed feed gets one scheduled rebuild (a Redis key set
    with NX); when it runs it waits again until ``render_debounce_seconds``
    passed without a change, but never longer than ``render_max_delay_seconds``
    after the first one. A rebuild holds a Redis lock, so one feed is never
    rebuilt by two workers at once; the lock is short-lived so that a worker
    killed mid-rebuild blocks that feed for seconds, not for the time limit
    (the feed's row lock still keeps a late rebuild correct).
    """

    abstract = True

    def run_step(self, ids: list[int]) -> None:
        from workers.dispatch import CeleryDispatcher, dispatcher

        settings, now, ready = get_settings(), utcnow(), []
        d = dispatcher()
        celery = d if isinstance(d, CeleryDispatcher) else None
        with get_database().read() as session:
            # Rebuilds are spaced out only while more feed changes are owed; the last one of a burst is not held back.
            busy = celery is not None and any_owed(session, FEED_CHANGING)
            for feed in session.scalars(select(Feed).where(Feed.id.in_(ids)).order_by(Feed.id)):
                wait = wait_before_render(
                    feed,
                    now,
                    debounce=settings.render_debounce_seconds,
                    max_delay=settings.render_max_delay_seconds,
                    min_interval=min_interval(settings, feed.kind) if busy else 0.0,
                )
                if wait > 0 and celery is not None:
                    # Looked at again within the longest delay: the backlog may have drained by then.
                    celery.reschedule_render(feed.id, min(wait, settings.render_max_delay_seconds))
                else:
                    ready.append(feed.id)
        if celery is None:
            if ready:
                super().run_step(ready)
            return
        locks, go = [], []
        for feed_id in ready:
            lock = celery.render_lock(feed_id, settings.render_lock_seconds)
            if lock is None and settings.effective_redis_url:
                celery.reschedule_render(feed_id, settings.render_debounce_seconds)
                continue
            celery.render_started(feed_id)
            locks.append(lock)
            go.append(feed_id)
        try:
            if go:
                super().run_step(go)
        finally:
            for lock in locks:
                # A lock that expired under the time limit has nothing to hand back.
                if lock is not None:
                    with contextlib.suppress(redis.exceptions.LockError):
                        lock.release()


def _make(step: str) -> StepTask:
    def run(self: StepTask, ids: list[int]) -> None:
        self.run_step(ids)

    run.__name__ = step
    run.__doc__ = f"Run the {step!r} step for the given subject ids."
    base = RenderTask if step == RENDER else StepTask
    task = app.task(base=base, bind=True, name=task_name(step), step=step)(run)
    return task


STEP_TASKS: dict[str, StepTask] = {step: _make(step) for step in STEPS}


@app.task(name="syndicate.sweep", ignore_result=True, acks_late=False)
def sweep() -> dict[str, int]:
    """Re-send overdue steps and lift embargoes (Celery beat, every few seconds)."""
    from workers.dispatch import dispatcher

    result = sweep_once(get_database(), dispatcher(), get_settings())
    return {"resent": result.resent, "released": result.released}


@app.task(name="syndicate.sitemaps", ignore_result=True, acks_late=False)
def sitemaps() -> int:
    """Refresh the news sitemaps (Celery beat): stories leave them 48 hours after publication."""
    from syndicate.feeds.steps import refresh_sitemaps
    from syndicate.pipeline.outbox import unit_of_work
    from workers.dispatch import dispatcher

    settings = get_settings()
    with unit_of_work(get_database(), dispatcher(), settings.step_deadline_seconds) as uow:
        return refresh_sitemaps(uow, settings)
