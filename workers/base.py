"""One task base class: retries for transient errors only, late acks, time limits, log context."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from sqlalchemy.exc import DBAPIError, OperationalError

from syndicate.errors import TransientError
from syndicate.logs import log_context
from syndicate.pipeline.outbox import record_failure
from syndicate.pipeline.run import run_step
from syndicate.settings import get_settings
from syndicate.storage.db import get_database

log = logging.getLogger("syndicate.workers")

# Errors worth another try soon; anything else fails the message (the outbox keeps the work owed).
TRANSIENT = (TransientError, OperationalError, DBAPIError, ConnectionError, TimeoutError)
SHORT_RETRIES = 4


class StepTask(Task):
    """Runs one pipeline step for a list of subject ids."""

    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    ignore_result = True
    step: str = ""

    def run_step(self, ids: list[int]) -> None:
        from workers.dispatch import dispatcher

        settings = get_settings()
        with log_context(step=self.step, subjects=ids[:20], task_id=self.request.id):
            try:
                run_step(get_database(), dispatcher(), settings, self.step, ids)
            except TRANSIENT as exc:
                self._transient(exc, ids)

    def _transient(self, exc: BaseException, ids: list[int]) -> None:
        retries = self.request.retries or 0
        hint = exc.retry_after if isinstance(exc, TransientError) else None
        if retries < SHORT_RETRIES:
            countdown = hint if hint is not None else min(2**retries, 30)
            log.warning("transient error, retrying", extra={"error": repr(exc)[:500], "countdown": countdown})
            raise self.retry(exc=exc, countdown=min(countdown, 60), max_retries=SHORT_RETRIES)
        # Long delays live in the database (no countdown beyond the visibility timeout).
        log.error("giving up for now; the sweeper will retry", extra={"error": repr(exc)[:500]})
        try:
            settings = get_settings()
            with get_database().transaction() as session:
                for subject in ids:
                    record_failure(session, self.step, subject, repr(exc), retry_in=settings.step_deadline_seconds)
        except Exception:  # the database may be the thing that is down
            log.exception("could not record the failure; the outbox deadline still holds")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return super().__call__(*args, **kwargs)
