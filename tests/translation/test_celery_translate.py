"""The translate step on a real Celery worker over the real Redis: its own queue, one job per task, idempotent."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery.signals import task_postrun, task_prerun

from syndicate.pipeline.service import Source, ingest_sources
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.translation.states import JobState
from tests.e2e.test_celery_pipeline import wait_idle
from tests.helpers import article
from tests.translation.conftest import Configure, job_for, segments
from tests.translation.providers import Provider

pytestmark = pytest.mark.slow


@pytest.fixture
def deliveries() -> Iterator[list[dict[str, Any]]]:
    """Every task the worker starts and finishes, with the queue it came from."""
    seen: list[dict[str, Any]] = []

    def started(task: Any = None, args: Any = None, **_: Any) -> None:
        seen.append({"event": "start", "name": task.name, "queue": task.request.delivery_info.get("routing_key"),
                     "args": args})  # fmt: skip

    def finished(task: Any = None, args: Any = None, **_: Any) -> None:
        seen.append({"event": "done", "name": task.name, "args": args})

    task_prerun.connect(started, weak=False)
    task_postrun.connect(finished, weak=False)
    yield seen
    task_prerun.disconnect(started)
    task_postrun.disconnect(finished)


def wait_for(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.05)


def test_translate_step_on_its_own_queue_through_a_real_worker(
    celery_worker: object,
    broker_settings: Settings,
    configure: Configure,
    providers: dict[str, Provider],
    deliveries: list[dict[str, Any]],
) -> None:
    from syndicate.storage.db import get_database
    from workers.app import app
    from workers.dispatch import dispatcher

    settings = configure({"en>ckb": ["memory", "microsoft", "human"]}, translation_policy={"targets": ["ckb"]})
    assert settings.broker_url == broker_settings.broker_url
    db: Database = get_database()
    doc = article()
    ingest_sources(db, dispatcher(), settings, [Source("doc", doc, len(json.dumps(doc)))])
    wait_idle(db)

    job = job_for(db, "ckb")
    assert job.state == JobState.drafted and job.drafted_by == "machine"
    assert {s.draft_origin for k, s in segments(db, job.id).items() if k != "dateline"} == {"machine:microsoft"}
    translate = [d for d in deliveries if d["name"] == "syndicate.translate" and d["event"] == "start"]
    assert [(d["queue"], d["args"]) for d in translate] == [("translate", [[job.id]])]
    calls = len(providers["microsoft"].requests)
    assert calls == 1  # one batch for the whole job

    # Delivered twice more (a redelivery, a sweeper re-send): nothing is translated twice.
    for _ in range(2):
        app.send_task("syndicate.translate", args=[[job.id]], queue="translate")
    wait_for(lambda: sum(1 for d in deliveries if d["name"] == "syndicate.translate" and d["event"] == "done") == 3)
    assert len(providers["microsoft"].requests) == calls
    assert job_for(db, "ckb").state == JobState.drafted
