"""Task run time reaches ``/metrics`` from whichever process ran the task: it is kept per outbox row."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import syndicate.pipeline.run as run
from syndicate.api.app import create_app
from syndicate.pipeline.outbox import NullDispatcher
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import ArticleVersion, OutboxMessage
from tests.helpers import ROOT, article
from tests.observability.test_observability import metrics


class Clock:
    """A ``time`` module whose ``perf_counter`` returns the given readings in turn."""

    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def perf_counter(self) -> float:
        return self.readings.pop(0)


def test_a_step_records_how_long_its_task_ran_on_the_rows_it_completed(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_sources(db, NullDispatcher(), settings, [Source("a", article(id="tt-1"), 1000)])
    with db.read() as session:
        version_id = session.scalars(select(ArticleVersion.id)).one()
    monkeypatch.setattr(run, "time", Clock(10.0, 12.5))
    run.run_step(db, NullDispatcher(), settings, "process", [version_id])
    with db.read() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == f"process:{version_id}")).one()
        assert row.status == "done" and row.run_seconds == 2.5
    # A duplicate message finds the row done: the figure stays the one of the task that did the work.
    monkeypatch.setattr(run, "time", Clock(20.0, 99.0))
    run.run_step(db, NullDispatcher(), settings, "process", [version_id])
    with db.read() as session:
        assert session.get(OutboxMessage, row.id).run_seconds == 2.5  # type: ignore[union-attr]

    m = metrics(TestClient(create_app(settings)))
    assert m["syndicate_task_seconds"][(("quantile", "0.5"), ("step", "process"))] == 2.5
    assert m["syndicate_task_seconds"][(("quantile", "1"), ("step", "process"))] == 2.5


def test_metrics_show_the_task_time_of_tasks_another_process_ran(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "story.json"
    source.write_text(json.dumps(article(id="tt-2")), "utf-8")
    env = {**os.environ, "SYNDICATE_DATABASE_URL": settings.database_url, "PYTHONPATH": str(ROOT)}
    # Another process runs every step of the pipeline (as a worker would); this one runs none.
    subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", "ingest", str(source)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    m = metrics(TestClient(create_app(settings)))
    timed = {dict(labels)["step"] for labels in m["syndicate_task_seconds"]}
    assert {"process", "payload", "render"} <= timed
    for step in ("process", "payload", "render"):
        p50, p95, top = (m["syndicate_task_seconds"][(("quantile", q), ("step", step))] for q in ("0.5", "0.95", "1"))
        assert 0 < p50 <= p95 <= top
    with db.read() as session:
        untimed = session.scalars(
            select(OutboxMessage.key).where(OutboxMessage.status == "done", OutboxMessage.run_seconds.is_(None))
        ).all()
    assert untimed == []
