"""Depth of the Celery queues in Redis, and the bound that keeps them short.

kombu's Redis transport keeps each queue as a list (one more list per
priority step), so a queue's depth is the sum of their ``LLEN``. Messages a
worker has taken but not acknowledged sit in the ``unacked`` hash instead and
are reported separately.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

import redis
from kombu.transport.redis import PRIORITY_STEPS, Channel

from syndicate.settings import Settings

log = logging.getLogger("syndicate.queues")
UNACKED = "unacked"


def broker_redis_url(settings: Settings) -> str | None:
    """The broker's URL when it is Redis (queue depths are read there), else None."""
    url = settings.broker_url
    return url if url and url.startswith(("redis://", "rediss://", "unix://")) else None


def _keys(queue: str) -> list[str]:
    return [queue if not step else f"{queue}{Channel.sep}{step}" for step in PRIORITY_STEPS]


def queue_depths(url: str, queues: Iterable[str]) -> dict[str, int]:
    """Messages waiting per queue, plus ``unacked`` (taken by a worker, not acknowledged yet)."""
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        names = list(queues)
        with client.pipeline(transaction=False) as pipe:
            for name in names:
                for key in _keys(name):
                    pipe.llen(key)
            pipe.hlen(UNACKED)
            sizes = pipe.execute()
    finally:
        client.close()
    steps = len(PRIORITY_STEPS)
    depths = {name: int(sum(sizes[i * steps : (i + 1) * steps])) for i, name in enumerate(names)}
    depths[UNACKED] = int(sizes[-1])
    return depths


class QueueGauge:
    """Queue depths read at most once per ``ttl`` seconds, for the dispatcher's bound check."""

    def __init__(self, ttl: float = 1.0):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._read_at = 0.0
        self._depths: dict[str, int] = {}

    def depths(self, url: str, queues: Iterable[str]) -> dict[str, int]:
        with self._lock:
            if time.monotonic() - self._read_at > self.ttl:
                try:
                    self._depths = queue_depths(url, queues)
                except redis.RedisError as exc:
                    # Unknown depth: do not hold work back (publishing reports its own errors).
                    log.warning("could not read queue depths", extra={"error": repr(exc)[:300]})
                    self._depths = {}
                self._read_at = time.monotonic()
            return dict(self._depths)

    def full(self, settings: Settings, queue: str, queues: Iterable[str]) -> bool:
        """True when ``queue`` holds more than ``queue_max_depth`` messages (0: no bound)."""
        bound = settings.queue_max_depth
        url = broker_redis_url(settings)
        if bound <= 0 or not url:
            return False
        return self.depths(url, queues).get(queue, 0) >= bound
