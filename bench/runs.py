"""One pipeline run in each mode, shared by the pipeline, burst and memory scenarios.

A run gets a fresh database, a partner with a webhook on a local endpoint
process and a translation memory that answers every job, ingests a corpus in
batches (as a CMS would, at most ``max_batch_items`` per request) and ends
when nothing is owed any more: every outbox row done, every feed rendered,
every push delivered and verified by the endpoint.

Modes:
- ``celery``: real Celery workers (two solo processes, every queue) and beat
  on a Redis of the run's own; this process only ingests.
- ``inprocess``: the embedded runner (the same tasks in-process) in ``processes``
  processes, each ingesting its share and then draining its queue.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.endpoint import PartnerEndpoint
from bench.env import CeleryBeat, CeleryWorker, RedisServer, app_env, free_port, tree_peak_rss_mib
from bench.memory_seed import seed_memory

PARAGRAPHS = 6
# Every article not written in Sorani is translated into Sorani from the memory, published at once.
POLICY = {"targets": ["ckb"], "publish": "machine"}
PAIRS = [("en", "ckb"), ("kmr", "ckb"), ("ar", "ckb")]
BATCH = 50  # articles per ingest request: a CMS posting a burst in modest batches
# Figures one scenario leaves for another in the same ``python -m bench`` run (memory reads them).
OBSERVED: dict[str, Any] = {}


@dataclass
class RunResult:
    mode: str
    articles: int
    seconds: float
    ingest_seconds: float
    versions: int
    translations: int
    deliveries: int
    steps: int  # outbox rows completed (owed steps, each counted once)
    renders: int  # feed rebuilds that stored new bytes or checked them
    feeds: int
    worker_rss_mib: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.articles / self.seconds


def machine_cpu() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine so far, from /proc/stat (Linux)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / 100, idle / 100


def settings_env(database_url: str, broker_url: str | None, **extra: str) -> dict[str, str]:
    return app_env(
        database_url,
        broker_url,
        SYNDICATE_TRANSLATION_POLICY=json.dumps(POLICY),
        SYNDICATE_LOG_JSON="false",
        SYNDICATE_PARTNER_RATE_LIMIT="0",
        **extra,
    )


@contextlib.contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """This process's settings and database handle follow ``env`` inside the block."""
    from syndicate.settings import reset_settings
    from syndicate.storage.db import forget_databases

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    reset_settings()
    forget_databases()
    try:
        yield
    finally:
        forget_databases()
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()


def prepare(partner: bool = True) -> PartnerEndpoint | None:
    """Migrate, seed the memory and add a push partner; returns its endpoint (not started)."""
    from syndicate.partners import service
    from syndicate.partners.spec import PartnerCreate
    from syndicate.pipeline.outbox import NullDispatcher, unit_of_work
    from syndicate.settings import get_settings
    from syndicate.storage.db import get_database

    db, settings = get_database(), get_settings()
    with db.transaction() as session:
        seed_memory(session, PAIRS, paragraphs=PARAGRAPHS)
    if not partner:
        return None
    port = free_port()
    with unit_of_work(db, NullDispatcher(), settings.step_deadline_seconds) as uow:
        spec = PartnerCreate(
            name="wire",
            languages=["en", "ckb", "kmr", "ar"],
            formats=["ninjs", "newsml"],
            push_format="ninjs",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            allow_private_webhook=True,
        )
        _, secret, _ = service.create(uow, settings, spec)
    assert secret
    return PartnerEndpoint(secret, port)


def ingest(docs: list[dict[str, Any]], dispatcher: Any) -> None:
    from syndicate.pipeline.service import Source, ingest_sources
    from syndicate.settings import get_settings
    from syndicate.storage.db import get_database

    db, settings = get_database(), get_settings()
    for lo in range(0, len(docs), BATCH):
        sources = [Source(d["id"], d, 4000) for d in docs[lo : lo + BATCH]]
        ingest_sources(db, dispatcher, settings, sources)


def owed() -> dict[str, int]:
    """What is still to do: pending outbox rows, dirty feeds, pending deliveries."""
    from syndicate.partners.tables import PENDING, Delivery
    from syndicate.storage.db import get_database
    from syndicate.storage.models import Feed, OutboxMessage

    with get_database().read() as session:
        return {
            "outbox": session.scalar(select(func.count()).where(OutboxMessage.status == "pending")) or 0,
            "feeds": session.scalar(select(func.count()).where(Feed.change_seq > Feed.rendered_seq)) or 0,
            "deliveries": session.scalar(select(func.count()).where(Delivery.state == PENDING)) or 0,
        }


def totals() -> dict[str, int]:
    from syndicate.partners.tables import DELIVERED, Delivery
    from syndicate.storage.db import get_database
    from syndicate.storage.models import Article, ArticleVersion, Feed, OutboxMessage

    with get_database().read() as session:
        return {
            "versions": session.scalar(select(func.count()).select_from(ArticleVersion)) or 0,
            "translations": session.scalar(select(func.count()).where(Article.origin == "translation")) or 0,
            "delivered": session.scalar(select(func.count()).where(Delivery.state == DELIVERED)) or 0,
            "deliveries": session.scalar(select(func.count()).select_from(Delivery)) or 0,
            "steps": session.scalar(select(func.count()).where(OutboxMessage.status == "done")) or 0,
            "renders": session.scalar(select(func.coalesce(func.sum(Feed.render_count), 0))) or 0,
            "feeds": session.scalar(select(func.count()).select_from(Feed)) or 0,
        }


def check(result: RunResult, expected_translations: int, endpoint_stats: dict[str, int]) -> None:
    """A run that lost or doubled work measures nothing: fail it."""
    problems = []
    if result.translations != expected_translations:
        problems.append(f"{result.translations} translations published, {expected_translations} expected")
    if result.versions != result.articles + expected_translations:
        problems.append(f"{result.versions} versions stored for {result.articles} articles")
    if result.extra.get("delivered") != result.deliveries or result.deliveries != result.versions:
        problems.append(f"deliveries: {result.extra.get('delivered')} delivered of {result.deliveries}")
    if endpoint_stats["unique"] != result.deliveries or endpoint_stats["rejected"]:
        problems.append(f"endpoint: {endpoint_stats} for {result.deliveries} deliveries")
    if problems:
        raise RuntimeError(f"{result.mode} run of {result.articles}: " + "; ".join(problems))


def expected_translations(docs: list[dict[str, Any]]) -> int:
    return sum(1 for d in docs if d["language"] != "ckb")


def wait_idle(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        left = owed()
        if not any(left.values()):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"still owed after {timeout:.0f}s: {left}")
        time.sleep(0.1)


def _messages_sent(url: str) -> int:
    """Messages the broker took: kombu's Redis transport sends each one with one LPUSH."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return int(client.info("commandstats").get("cmdstat_lpush", {}).get("calls", 0))
    finally:
        client.close()


def ping(app: Any, workers: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(app.control.ping(timeout=0.5) or []) < workers:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{workers} Celery workers did not answer within {timeout:.0f}s")


def celery_run(
    database_url: str, docs: list[dict[str, Any]], *, workers: int = 2, timeout: float = 3600, **extra: str
) -> RunResult:
    """Ingest here; ``workers`` solo Celery workers and beat do the rest."""
    redis = RedisServer().start()
    env = settings_env(database_url, redis.url, **extra)
    procs: list[CeleryWorker] = []
    beat = CeleryBeat(env)
    endpoint: PartnerEndpoint | None = None
    try:
        with environment(env):
            from syndicate.settings import get_settings
            from workers.app import configure
            from workers.dispatch import dispatcher

            endpoint = prepare()
            assert endpoint is not None
            endpoint.start()
            app = configure(get_settings())
            procs = [CeleryWorker(env, name=f"bench{i}-{free_port()}").start() for i in range(workers)]
            beat.start()
            ping(app, workers)
            cpu0 = machine_cpu()
            started = time.perf_counter()
            ingest(docs, dispatcher())
            ingested = time.perf_counter()
            wait_idle(timeout)
            stats = endpoint.wait_for(totals()["deliveries"], timeout=60)
            seconds = time.perf_counter() - started
            cpu = [b - a for a, b in zip(cpu0, machine_cpu(), strict=True)]
            rss = [tree_peak_rss_mib(p.proc.pid) for p in procs if p.proc]
            messages = _messages_sent(redis.url)
            t = totals()
        result = RunResult(
            "celery",
            len(docs),
            seconds,
            ingested - started,
            t["versions"],
            t["translations"],
            t["deliveries"],
            t["steps"],
            t["renders"],
            t["feeds"],
            rss,
            {"delivered": t["delivered"], "busy_cpu_s": cpu[0], "idle_cpu_s": cpu[1], "messages": messages},
        )
        check(result, expected_translations(docs), stats)
        return result
    finally:
        for p in procs:
            p.stop()
        beat.stop()
        if endpoint is not None:
            endpoint.stop()
        redis.stop()


def _inprocess_child(env: dict[str, str], docs: list[dict[str, Any]], ready: Any, go: Any, done: Any) -> None:
    os.environ.clear()
    os.environ.update(env)
    from syndicate.storage.db import get_database
    from workers.inprocess import in_process

    get_database()  # imports done, connected, schema checked: the clock starts after this
    ready.put(os.getpid())
    go.wait()
    with in_process() as queue:
        ingest(docs, queue)
        queue.drain()
    done.put(tree_peak_rss_mib(os.getpid()))


def inprocess_run(
    database_url: str, docs: list[dict[str, Any]], *, processes: int = 1, timeout: float = 3600, **extra: str
) -> RunResult:
    """The embedded runner in ``processes`` processes, each ingesting and draining its share."""
    env = settings_env(database_url, None, **extra)
    ctx = mp.get_context("spawn")
    endpoint: PartnerEndpoint | None = None
    children: list[Any] = []
    try:
        with environment(env):
            endpoint = prepare()
            assert endpoint is not None
            endpoint.start()
            ready, go, done = ctx.Queue(), ctx.Event(), ctx.Queue()
            shares = [docs[i::processes] for i in range(processes)]
            children = [ctx.Process(target=_inprocess_child, args=(env, share, ready, go, done)) for share in shares]
            for child in children:
                child.start()
            for _ in children:
                ready.get(timeout=120)
            cpu0 = machine_cpu()
            started = time.perf_counter()
            go.set()
            rss = [done.get(timeout=timeout) for _ in children]
            stats = endpoint.wait_for(totals()["deliveries"], timeout=60)
            seconds = time.perf_counter() - started
            cpu = [b - a for a, b in zip(cpu0, machine_cpu(), strict=True)]
            for child in children:
                child.join(30)
            left = owed()
            if any(left.values()):
                raise RuntimeError(f"in-process run ended with work owed: {left}")
            t = totals()
        result = RunResult(
            f"inprocess×{processes}",
            len(docs),
            seconds,
            0.0,
            t["versions"],
            t["translations"],
            t["deliveries"],
            t["steps"],
            t["renders"],
            t["feeds"],
            rss,
            {"delivered": t["delivered"], "busy_cpu_s": cpu[0], "idle_cpu_s": cpu[1]},
        )
        check(result, expected_translations(docs), stats)
        return result
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
        if endpoint is not None:
            endpoint.stop()
