"""``syndicate status``: the backlog and the failures at a glance (or as JSON)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from syndicate.cli.common import console, override, report_errors
from syndicate.observability.backlog import Backlog, current
from syndicate.settings import Settings
from syndicate.storage.db import get_database


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _queue_reader(settings: Settings):  # type: ignore[no-untyped-def]
    from workers.app import QUEUES
    from workers.queues import broker_redis_url, queue_depths

    url = broker_redis_url(settings)
    return (lambda: queue_depths(url, QUEUES)) if url else None


def _counts(title: str, counts: dict[str, int]) -> Table:
    table = Table("state", "count", title=title, title_justify="left")
    for key, n in counts.items():
        table.add_row(key, str(n))
    return table


def render(b: Backlog) -> None:
    steps = Table("step", "pending", "overdue", "retried", "oldest", title="Owed steps (outbox)", title_justify="left")
    for s in b.steps:
        oldest = _age(s.oldest_seconds) if s.pending else ""
        steps.add_row(s.step, str(s.pending), str(s.overdue), str(s.retried), oldest)
    console.print(steps)
    if b.queue_error:
        console.print(f"[red]queues: broker unreachable ({b.queue_error})[/]")
    elif b.queues:
        queues = Table("queue", "depth", title=f"Queues (bound {b.queue_bound or 'none'})", title_justify="left")
        for name, n in b.queues.items():
            flag = " [red]over bound[/]" if name in b.over_bound else ""
            queues.add_row(name, f"{n}{flag}")
        console.print(queues)
    else:
        console.print("queues: no broker (steps run in-process)")
    console.print(_counts("Articles", {**b.articles, "versions not processed": b.unprocessed_versions}))
    console.print(_counts("Translation jobs", {k: v for k, v in b.translation_jobs.items() if v}))
    console.print(_counts("Push deliveries", b.deliveries))
    feeds = f"{b.dirty_feeds} dirty"
    if b.dirty_feeds:
        feeds += f", oldest waiting {_age(b.oldest_dirty_seconds)}"
    console.print(f"Feeds: {feeds}; rebuilds so far {sum(b.feed_rebuilds.values())}")
    if b.latency:
        latency = Table("step", "done (15 min)", "p50", "p95", "max", title="Owed to done", title_justify="left")
        for step, lat in b.latency.items():
            latency.add_row(step, str(lat.count), f"{lat.p50:.2f}s", f"{lat.p95:.2f}s", f"{lat.max:.2f}s")
        console.print(latency)
    if b.task_time:
        tasks = Table("step", "p50", "p95", "max", title="Task run time", title_justify="left")
        for step, ran in b.task_time.items():
            tasks.add_row(step, f"{ran.p50:.2f}s", f"{ran.p95:.2f}s", f"{ran.max:.2f}s")
        console.print(tasks)
    if b.circuits:
        circuits = Table("kind", "name", "state", "until", title="Circuits switched off", title_justify="left")
        for c in b.circuits:
            circuits.add_row(c.kind, c.name, c.state, c.until or "")
        console.print(circuits)
    else:
        console.print("Circuits: all closed")
    console.print(f"Dead letters: {b.dead_letters}")
    if b.failures:
        failures = Table("what", "attempts", "error", title="Failures", title_justify="left")
        for f in b.failures:
            failures.add_row(f.what, str(f.attempts), f.error)
        console.print(failures)
    else:
        console.print("Failures: none")


@report_errors
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the snapshot as JSON")] = False,
    database: Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL")] = None,
    broker: Annotated[str | None, typer.Option("--broker", help="Celery broker URL (queue depths)")] = None,
) -> None:
    """Backlog and failures: owed steps by age, queue depths, jobs, deliveries, dead letters, circuits, feeds."""
    settings = override(database_url=database, broker_url=broker)
    backlog = current(get_database(), settings, _queue_reader(settings))
    if as_json:
        print(json.dumps(backlog.as_dict(), ensure_ascii=False, indent=2, default=str))
        return
    render(backlog)
