"""``syndicate run``: the whole pipeline over a folder of articles, then export."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from syndicate.errors import SyndicateError
from syndicate.feeds.export import export_feeds
from syndicate.payloads.export import export_payloads
from syndicate.pipeline.ingest import IngestResult
from syndicate.pipeline.service import ingest_in_batches, read_sources
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import ArticleVersion, Feed, FeedDocument, OutboxMessage, Payload


@dataclass
class RunSummary:
    results: list[IngestResult]
    feeds: int = 0
    feed_files: int = 0
    payloads: int = 0
    payload_files: int = 0
    out: Path | None = None
    seconds: float = 0.0
    steps: dict[str, int] = field(default_factory=dict)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
        disable=not sys.stderr.isatty(),
    )


def run_embedded(db: Database, settings: Settings, path: str, stdin_text: str | None = None) -> RunSummary:
    """The same Celery tasks, executed in this process; no broker, no PostgreSQL needed."""
    from workers.inprocess import in_process

    started = time.perf_counter()
    with in_process() as queue, _progress() as progress:
        results = ingest_in_batches(db, queue, settings, read_sources(path, stdin_text))
        bars = {step: progress.add_task(step, total=None) for step in ("process", "payload", "render")}

        def advance(step: str, count: int) -> None:
            if step in bars:
                progress.advance(bars[step], count)

        queue.drain(on_step=advance)
        for bar in bars.values():
            progress.update(bar, total=progress.tasks[bar].completed)
        steps = dict(queue.executed)
    return RunSummary(results, seconds=time.perf_counter() - started, steps=steps)


def run_with_broker(
    db: Database, settings: Settings, path: str, stdin_text: str | None = None, timeout: float = 600.0
) -> RunSummary:
    """Ingest here; real Celery workers (``syndicate worker``) do the steps."""
    from workers.app import configure
    from workers.dispatch import dispatcher

    configure(settings)
    started = time.perf_counter()
    results = ingest_in_batches(db, dispatcher(), settings, read_sources(path, stdin_text))
    wait_until_idle(db, timeout)
    return RunSummary(results, seconds=time.perf_counter() - started)


def pending_steps(db: Database) -> int:
    with db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
            or 0
        )


def wait_until_idle(db: Database, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with _progress() as progress:
        bar = progress.add_task("pending", total=None)
        while True:
            pending = pending_steps(db)
            progress.update(bar, description=f"pending {pending}")
            if pending == 0:
                return
            if time.monotonic() > deadline:
                raise SyndicateError(f"{pending} steps still pending after {timeout:.0f}s: are workers running?")
            time.sleep(0.2)


def export_all(db: Database, summary: RunSummary, out: Path) -> RunSummary:
    with db.read() as session:
        summary.feed_files = len(export_feeds(session, out / "feeds"))
        summary.payload_files = len(export_payloads(session, out / "payloads"))
        summary.feeds = session.scalar(select(func.count(func.distinct(FeedDocument.feed_id)))) or 0
        summary.payloads = session.scalar(select(func.count()).select_from(Payload)) or 0
        summary.out = out
    return summary


def counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            "versions": session.scalar(select(func.count()).select_from(ArticleVersion)) or 0,
            "feeds": session.scalar(select(func.count()).select_from(Feed)) or 0,
        }
