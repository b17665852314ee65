"""Prometheus gauges read at scrape time from the database and the broker.

Process counters (``syndicate.metrics``: ingested documents and rebuilds of
this process) only see one process; these gauges see the whole service,
whichever process is scraped: backlog per step, jobs and deliveries by state,
queue depths, circuits, dirty feeds, rebuilds of every worker, the latency
from "owed" to "done" per step, and how long the tasks of each step ran.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from syndicate.observability.backlog import Backlog

log = logging.getLogger("syndicate.metrics")


def _gauge(name: str, doc: str, label: str, values: Mapping[str, float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


class BacklogCollector(Collector):
    """Turns a :class:`Backlog` snapshot into metric families on every scrape."""

    def __init__(self, read: Callable[[], Backlog]):
        self.read = read

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("syndicate_backlog_up", "1 when the database could be read for this scrape")
        try:
            b = self.read()
        except Exception as exc:  # a scrape reports; it never fails the endpoint
            log.warning("metrics: could not read the backlog", extra={"error": repr(exc)[:300]})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield _gauge("syndicate_articles", "Articles by state", "state", dict(b.articles))
        unprocessed = GaugeMetricFamily("syndicate_versions_unprocessed", "Article versions not localized yet")
        unprocessed.add_metric([], b.unprocessed_versions)
        yield unprocessed
        yield _gauge("syndicate_translation_jobs", "Translation jobs by state", "state", dict(b.translation_jobs))
        yield _gauge("syndicate_deliveries", "Partner push deliveries by state", "state", dict(b.deliveries))
        dead = GaugeMetricFamily("syndicate_dead_letters", "Push deliveries given up (dead letters)")
        dead.add_metric([], b.dead_letters)
        yield dead
        pending = {s.step: s.pending for s in b.steps}
        yield _gauge("syndicate_outbox_pending", "Owed steps not done yet", "step", pending)
        yield _gauge(
            "syndicate_outbox_overdue", "Owed steps past their deadline", "step", {s.step: s.overdue for s in b.steps}
        )
        yield _gauge(
            "syndicate_outbox_oldest_seconds",
            "Age of the oldest owed step",
            "step",
            {s.step: s.oldest_seconds for s in b.steps},
        )
        yield _gauge("syndicate_queue_depth", "Messages waiting in each Celery queue", "queue", dict(b.queues))
        bound = GaugeMetricFamily("syndicate_queue_bound", "Configured bound of one queue (0: none)")
        bound.add_metric([], b.queue_bound)
        yield bound
        circuits = GaugeMetricFamily("syndicate_circuit_open", "Partners and backends switched off", labels=["kind"])
        for kind in ("partner", "translation backend"):
            circuits.add_metric([kind], sum(1 for c in b.circuits if c.kind == kind and c.state == "open"))
        yield circuits
        dirty = GaugeMetricFamily("syndicate_feeds_dirty", "Feeds waiting for a rebuild")
        dirty.add_metric([], b.dirty_feeds)
        yield dirty
        oldest = GaugeMetricFamily("syndicate_feeds_dirty_oldest_seconds", "Longest wait of a dirty feed")
        oldest.add_metric([], b.oldest_dirty_seconds)
        yield oldest
        rebuilds = CounterMetricFamily(
            "syndicate_feed_rebuilds_all", "Feed rebuilds by every worker (from the feeds table)", labels=["kind"]
        )
        for kind, count in sorted(b.feed_rebuilds.items()):
            rebuilds.add_metric([kind], count)
        yield rebuilds
        latency = GaugeMetricFamily(
            "syndicate_step_latency_seconds",
            "From owed to done, steps completed in the last 15 minutes",
            labels=["step", "quantile"],
        )
        done = GaugeMetricFamily(
            "syndicate_steps_done_recent", "Steps completed in the last 15 minutes", labels=["step"]
        )
        for step, lat in b.latency.items():
            latency.add_metric([step, "0.5"], lat.p50)
            latency.add_metric([step, "0.95"], lat.p95)
            latency.add_metric([step, "1"], lat.max)
            done.add_metric([step], lat.count)
        yield latency
        yield done
        # Tasks run in worker processes nobody scrapes: their run time comes from the outbox rows.
        task = GaugeMetricFamily(
            "syndicate_task_seconds",
            "How long the task that completed each step ran, steps completed in the last 15 minutes",
            labels=["step", "quantile"],
        )
        for step, ran in b.task_time.items():
            task.add_metric([step, "0.5"], ran.p50)
            task.add_metric([step, "0.95"], ran.p95)
            task.add_metric([step, "1"], ran.max)
        yield task


def registry_for(read: Callable[[], Backlog]) -> CollectorRegistry:
    """A registry of its own (one per app), so creating several apps never registers twice."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BacklogCollector(read))
    return registry
