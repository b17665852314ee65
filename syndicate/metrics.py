"""Prometheus counters of this process; the service-wide gauges are read from the database on scrape.

Task time is not a histogram here: tasks run in worker processes that nothing
scrapes, so it is kept per outbox row and exposed by
``syndicate.observability.collector`` (``syndicate_task_seconds``).
"""

from __future__ import annotations

from prometheus_client import Counter

ARTICLES_INGESTED = Counter("syndicate_articles_ingested_total", "Article documents ingested", ["outcome"])
FEED_REBUILDS = Counter("syndicate_feed_rebuilds_total", "Feed rebuilds that rendered", ["kind"])
