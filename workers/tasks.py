"""Thin tasks: each loads by id, calls one library step, stores, and owes the next.

Arguments are lists of ids (JSON); the work itself is in ``syndicate.pipeline``.
"""

from __future__ import annotations

from sqlalchemy import select

from syndicate.feeds.coalesce import wait_before_render
from syndicate.pipeline.publish import RENDER
from syndicate.pipeline.steps import STEPS
from syndicate.pipeline.sweeper import sweep as sweep_once
from syndicate.settings import get_settings
from syndicate.storage.db import get_database
from syndicate.storage.models import Feed
from syndicate.storage.types import utcnow
from workers.app import app
from workers.base import StepTask


def task_name(step: str) -> str:
    return f"syndicate.{step}"


class RenderTask(StepTask):
    """Feed rebuilds wait for a quiet moment (bounded), so a burst costs a few rebuilds."""

    abstract = True

    def run_step(self, ids: list[int]) -> None:
        from workers.dispatch import CeleryDispatcher, dispatcher

        settings, now, ready = get_settings(), utcnow(), []
        with get_database().read() as session:
            for feed in session.scalars(select(Feed).where(Feed.id.in_(ids))):
                wait = wait_before_render(
                    feed,
                    now,
                    debounce=settings.render_debounce_seconds,
                    max_delay=settings.render_max_delay_seconds,
                )
                if wait > 0 and isinstance(dispatcher(), CeleryDispatcher):
                    dispatcher().reschedule_render(feed.id, wait)
                else:
                    ready.append(feed.id)
        d = dispatcher()
        for feed_id in ready:
            if isinstance(d, CeleryDispatcher):
                d.render_started(feed_id)
        if ready:
            super().run_step(ready)


def _make(step: str) -> StepTask:
    def run(self: StepTask, ids: list[int]) -> None:
        self.run_step(ids)

    run.__name__ = step
    run.__doc__ = f"Run the {step!r} step for the given subject ids."
    base = RenderTask if step == RENDER else StepTask
    task = app.task(base=base, bind=True, name=task_name(step), step=step)(run)
    return task  # type: ignore[no-any-return]


STEP_TASKS: dict[str, StepTask] = {step: _make(step) for step in STEPS}


@app.task(name="syndicate.sweep", ignore_result=True, acks_late=False)
def sweep() -> dict[str, int]:
    """Re-send overdue steps and lift embargoes (Celery beat, every few seconds)."""
    from workers.dispatch import dispatcher

    result = sweep_once(get_database(), dispatcher(), get_settings())
    return {"resent": result.resent, "released": result.released}
