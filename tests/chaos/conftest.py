"""Chaos fixtures: a Redis of our own, worker and beat subprocesses, all on a fresh PostgreSQL schema.

A test module adds settings for every process by overriding ``cluster_settings``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from bench.env import CeleryBeat, CeleryWorker, RedisServer, app_env
from syndicate.partners.tables import PENDING, Delivery
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database, get_database
from syndicate.storage.models import Article, Feed, OutboxMessage

CHAOS_SETTINGS = {
    "SYNDICATE_STEP_DEADLINE_SECONDS": "4",
    "SYNDICATE_SWEEP_INTERVAL_SECONDS": "1",
    "SYNDICATE_RENDER_DEBOUNCE_SECONDS": "0.2",
    "SYNDICATE_RENDER_MAX_DELAY_SECONDS": "1",
    "SYNDICATE_RENDER_MIN_INTERVAL_SECONDS": "1",
    "SYNDICATE_RENDER_MIN_INTERVAL_NARROW_SECONDS": "1",
    "SYNDICATE_VISIBILITY_TIMEOUT": "30",
    "SYNDICATE_RENDER_LOCK_SECONDS": "5",
}


@dataclass
class Cluster:
    """Real processes around one database: Redis, workers and beat."""

    database_url: str
    redis: RedisServer
    env: dict[str, str]
    workers: list[CeleryWorker] = field(default_factory=list)
    beat: CeleryBeat | None = None

    def start_worker(self, **kwargs: object) -> CeleryWorker:
        worker = CeleryWorker(self.env, **kwargs).start()  # type: ignore[arg-type]
        self.workers.append(worker)
        return worker

    def db(self) -> Database:
        return get_database()

    def settings(self) -> Settings:
        return get_settings()

    def pending(self) -> int:
        with self.db().read() as session:
            return (
                session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
                or 0
            )

    def dirty_feeds(self) -> int:
        with self.db().read() as session:
            return (
                session.scalar(select(func.count()).select_from(Feed).where(Feed.change_seq > Feed.rendered_seq)) or 0
            )

    def pending_deliveries(self) -> int:
        with self.db().read() as session:
            query = select(func.count()).select_from(Delivery).where(Delivery.state == PENDING)
            return session.scalar(query) or 0

    def wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                logs = "\n".join(w.output()[-3000:] for w in self.workers)
                pytest.fail(f"timed out waiting for {what}; pending={self.pending()}\n{logs}")
            time.sleep(0.2)

    def embargoed(self) -> int:
        """Articles still waiting for their embargo to lift."""
        with self.db().read() as session:
            query = (
                select(func.count())
                .select_from(Article)
                .where(Article.released.is_(False), Article.withdrawn.is_(False), Article.embargo_until.is_not(None))
            )
            return session.scalar(query) or 0

    def idle(self) -> bool:
        return (
            self.pending() == 0 and self.dirty_feeds() == 0 and self.pending_deliveries() == 0 and not self.embargoed()
        )

    def wait_idle(self, timeout: float = 240.0) -> None:
        self.wait(self.idle, timeout, "the pipeline to finish")


@pytest.fixture
def cluster_settings() -> dict[str, str]:
    """Extra ``SYNDICATE_*`` settings for every process of the cluster (override per module)."""
    return {}


@pytest.fixture
def worker_database_url(pg_url: str) -> str:
    """The database URL the workers and beat use (a module may put a proxy in between)."""
    return pg_url


@pytest.fixture
def cluster(
    pg_url: str, worker_database_url: str, cluster_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cluster]:
    redis = RedisServer().start()
    env = app_env(pg_url, redis.url, **{**CHAOS_SETTINGS, **cluster_settings})
    for key, value in env.items():
        if key.startswith("SYNDICATE_"):
            monkeypatch.setenv(key, value)
    reset_settings()
    from workers.app import configure

    configure(get_settings())
    get_database().upgrade()
    # Workers and beat may reach the database another way (through a proxy a test can cut).
    env = {**env, "SYNDICATE_DATABASE_URL": worker_database_url}
    c = Cluster(pg_url, redis, env)
    c.beat = CeleryBeat(env).start()
    try:
        yield c
    finally:
        for w in c.workers:
            w.kill()
        if c.beat:
            c.beat.stop()
        redis.stop(hard=True)
