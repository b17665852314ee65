"""Per-partner rate limits for the pull API: GCRA, in Redis when configured, else in memory.

GCRA (a token bucket kept as one timestamp, the "theoretical arrival time")
allows ``limit`` requests per ``period`` with a burst of up to ``limit``, and
says exactly how long to wait. With Redis, one Lua script does the check and
the update atomically with Redis' own clock, so every API process shares the
same budget; without Redis each process keeps its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from syndicate.settings import Settings

log = logging.getLogger("syndicate.api.ratelimit")


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, period: float) -> float:
        """Count one request; returns 0 if allowed, else the seconds to wait."""
        ...


def _gcra(tat: float, now: float, limit: int, period: float) -> tuple[float, float]:
    """(new arrival time, wait). ``tat`` is the theoretical arrival time stored for the key."""
    interval = period / limit
    tat = max(tat, now)
    allowed_at = tat + interval - period  # the burst tolerance is one whole period
    if now < allowed_at:
        return tat, allowed_at - now
    return tat + interval, 0.0


class MemoryLimiter:
    """One process's limiter (no Redis): a dict of arrival times under a lock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, period: float) -> float:
        if limit <= 0:
            return 0.0
        with self._lock:
            now = self.clock()
            tat, wait = _gcra(self._tat.get(key, now), now, limit, period)
            self._tat[key] = tat
            if len(self._tat) > 100_000:  # keys of long-idle partners carry no state worth keeping
                self._tat = {k: v for k, v in self._tat.items() if v > now}
            return wait


# KEYS[1] = key; ARGV = limit, period (seconds). Returns the wait in microseconds (0 = allowed).
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2]) * 1000000
local interval = period / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allowed_at = tat + interval - period
if now < allowed_at then
  return math.ceil(allowed_at - now)
end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
return 0
"""


class RedisLimiter:
    """Shared by every API process that talks to the same Redis."""

    def __init__(self, client: Any, prefix: str = "syndicate:ratelimit:"):
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(_SCRIPT)
        self._fallback = MemoryLimiter()

    def hit(self, key: str, limit: int, period: float) -> float:
        if limit <= 0:
            return 0.0
        import redis

        try:
            wait_us = int(self._script(keys=[self.prefix + key], args=[limit, period]))
        except redis.RedisError:
            # Redis down: keep limiting, per process, rather than refuse or wave everyone through.
            log.warning("rate limiter falls back to memory: Redis unavailable", exc_info=True)
            return self._fallback.hit(key, limit, period)
        return wait_us / 1_000_000


def limiter_for(settings: Settings) -> RateLimiter:
    """Redis when a Redis URL (or a Redis broker) is configured, else in memory."""
    url = settings.effective_redis_url
    if not url:
        return MemoryLimiter()
    import redis

    return RedisLimiter(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))
