"""Prometheus metrics. Counters are per process; gauges are read from the database on scrape."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

ARTICLES_INGESTED = Counter("syndicate_articles_ingested_total", "Article documents ingested", ["outcome"])
FEED_REBUILDS = Counter("syndicate_feed_rebuilds_total", "Feed rebuilds that rendered", ["kind"])
TASK_LATENCY = Histogram(
    "syndicate_task_seconds",
    "Time spent in one pipeline task",
    ["step"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
