"""The Celery ceiling: no-op tasks on the same broker and worker settings as the pipeline.

The app takes syndicate's own Celery configuration (JSON, late acks, prefetch
1, reject on worker lost...) and adds one task that only counts itself in
Redis and stamps the time of the first and the last completion, so the drain
rate is measured by the broker, not by the producer.

    celery -A bench.noop:app worker -Q noop -P solo
"""

from __future__ import annotations

import time
from typing import Any

import redis
from celery import Celery

from syndicate.settings import Settings, get_settings
from workers.app import celery_config

QUEUE = "noop"
COUNT, FIRST, LAST = "bench:noop:count", "bench:noop:first", "bench:noop:last"

app = Celery("syndicate-noop", set_as_current=False)
app.add_defaults(lambda: _config(get_settings()))
_client: redis.Redis | None = None


def _config(settings: Settings) -> dict[str, Any]:
    return {**celery_config(settings), "task_default_queue": QUEUE, "task_routes": {}}


def configure(settings: Settings) -> Celery:
    """Point the producer side at the current settings' broker (each measurement has its own Redis)."""
    from kombu import pools

    app.conf.update(_config(settings))
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    return app


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(str(get_settings().broker_url))
    return _client


@app.task(name="bench.noop", ignore_result=True)
def noop() -> None:
    now = repr(time.time())
    with _redis().pipeline(transaction=False) as pipe:
        pipe.incr(COUNT)
        pipe.setnx(FIRST, now)
        pipe.set(LAST, now)
        pipe.execute()


def drain_rate(client: redis.Redis, expected: int, timeout: float) -> float:
    """Tasks per second from the first to the last completion, once ``expected`` are done."""
    deadline = time.monotonic() + timeout
    while int(client.get(COUNT) or 0) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {int(client.get(COUNT) or 0)} of {expected} no-op tasks ran")
        time.sleep(0.05)
    first, last = float(client.get(FIRST) or 0), float(client.get(LAST) or 0)
    return (expected - 1) / max(last - first, 1e-9)
