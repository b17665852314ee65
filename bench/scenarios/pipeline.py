"""Pipeline throughput: N articles through the whole pipeline, real Celery workers against in-process.

Every run does the same work on a fresh PostgreSQL schema: N articles in the
four languages (realistic sizes, from the examples), ingested in batches of
500; each one localized, rendered into its feeds (RSS, Atom, JSON Feed),
built as ninjs and NewsML-G2, pushed to a partner endpoint that verifies the
signature; every article not written in Sorani translated into Sorani from
the translation memory (no network) and published, which is one more version
through the same steps. A run ends when nothing is owed any more.

- ``celery``: two solo Celery workers (one per core) and beat, Redis of the run's own.
- ``inprocess×2``: the embedded runner in two processes, each with half the articles
  (the same work on both cores, no broker): the baseline of the target.
- ``embedded``: the embedded default itself (SQLite, one process), for reference.

The Celery ceiling is measured in the same run: no-op tasks drained by the
same number of workers with the same Celery settings.
"""

from __future__ import annotations

import statistics

import redis

from bench import noop, runs
from bench.corpus import articles
from bench.env import CeleryWorker, RedisServer, app_env
from bench.options import Options
from bench.report import ScenarioResult


def ceiling(opts: Options, tasks: int, workers: int = 2) -> float:
    """No-op tasks/s drained by ``workers`` solo workers with syndicate's Celery settings."""
    server = RedisServer().start()
    procs: list[CeleryWorker] = []
    try:
        env = app_env(opts.sqlite_url("noop"), server.url)
        with runs.environment(env):
            from syndicate.settings import get_settings

            app = noop.configure(get_settings())
            with app.producer_or_acquire() as producer:
                for _ in range(tasks):
                    noop.noop.apply_async(producer=producer)
        # The queue is full before the workers start: the rate is the consumers' alone.
        procs = [CeleryWorker(env, queues=noop.QUEUE, app="bench.noop:app").start() for _ in range(workers)]
        client = redis.Redis.from_url(server.url)
        return noop.drain_rate(client, tasks, timeout=600)
    finally:
        for p in procs:
            p.stop()
        server.stop()


def _median(values: list[float]) -> float:
    return statistics.median(values)


def run(opts: Options) -> ScenarioResult:
    sizes = [20, 60] if opts.quick else [100, 1000, 10_000]
    result = ScenarioResult(
        "pipeline",
        "Articles through ingest → localize → feeds → ninjs + NewsML-G2 → signed push, with translations "
        "from the translation memory: two real Celery workers (solo) on Redis against the same work "
        "in-process on two processes, and the Celery ceiling (no-op tasks/s, same settings) of the same run.",
        {
            "sizes": sizes,
            "repeats": {n: _repeats(opts, n) for n in sizes},
            "workers": 2,
            "database": "postgresql",
            "translation": runs.POLICY,
            "paragraphs": runs.PARAGRAPHS,
        },
    )
    noop_tasks = 500 if opts.quick else 20_000
    result.stat("celery ceiling: no-op tasks drained", "tasks/s").values = [
        ceiling(opts, noop_tasks) for _ in range(max(1, min(opts.repeats, 3)))
    ]
    per_article: dict[str, dict[int, float]] = {"celery": {}, "inprocess×2": {}}
    rss: list[float] = []
    for n in sizes:
        docs = list(articles(n, prefix=f"p{n}", paragraphs=runs.PARAGRAPHS))
        for rep in range(_repeats(opts, n)):
            name = f"pipe{n}r{rep}"
            celery = runs.celery_run(opts.postgres_url(name), docs)
            opts.drop(name)
            both = runs.inprocess_run(opts.postgres_url(name), docs, processes=2)
            opts.drop(name)
            result.stat(f"celery @ {n}", "articles/s").values.append(celery.per_second)
            result.stat(f"inprocess×2 @ {n}", "articles/s").values.append(both.per_second)
            result.stat(f"celery steps done @ {n}", "steps/s").values.append(celery.steps / celery.seconds)
            result.stat(f"celery feed rebuilds @ {n}", "rebuilds").values.append(celery.renders)
            result.stat(f"inprocess×2 feed rebuilds @ {n}", "rebuilds").values.append(both.renders)
            if n == sizes[-1]:
                rss += celery.worker_rss_mib
            if rep == 0:
                result.notes.append(
                    f"N={n}: {celery.versions} versions ({celery.translations} translations), "
                    f"{celery.deliveries} pushes verified by the endpoint, {celery.steps} owed steps, "
                    f"{celery.feeds} feeds; Celery ingest took {celery.ingest_seconds:.1f}s of {celery.seconds:.1f}s."
                )
        if n <= 1000 or opts.quick:
            embedded = runs.inprocess_run(opts.sqlite_url(f"embedded{n}"), docs, processes=1)
            result.stat(f"embedded (SQLite, 1 process) @ {n}", "articles/s").values.append(embedded.per_second)
        for mode in per_article:
            per_article[mode][n] = 1000 / _median(result.stats[f"{mode} @ {n}"].values)
        result.ratios[f"celery / inprocess×2 @ {n}"] = _median(result.stats[f"celery @ {n}"].values) / _median(
            result.stats[f"inprocess×2 @ {n}"].values
        )
        result.ratios[f"celery steps/s ÷ ceiling @ {n}"] = _median(
            result.stats[f"celery steps done @ {n}"].values
        ) / _median(result.stats["celery ceiling: no-op tasks drained"].values)
    big, small = sizes[-1], sizes[0]
    for mode, costs in per_article.items():
        result.ratios[f"{mode} ms per article {big} / {small}"] = costs[big] / costs[small]
    result.target(f"celery / inprocess×2 @ {big}", result.ratios[f"celery / inprocess×2 @ {big}"], at_least=0.8)
    result.target(
        f"celery cost per article {big} / {small} (flat)",
        result.ratios[f"celery ms per article {big} / {small}"],
        at_most=1.25,
    )
    if rss:
        result.stat(f"celery worker peak RSS after {big}", "MiB").values = rss
        runs.OBSERVED["worker_rss"] = {"articles": big, "mib": rss}
    result.notes.append(
        "Steps are outbox rows completed (each owed step once, batched steps counted per subject); the ceiling "
        "is one no-op task per message, so the step ratio shows how far batching carries the pipeline."
    )
    return result


def _repeats(opts: Options, n: int) -> int:
    if n >= 10_000:
        return 1
    return max(1, min(opts.repeats, 3))
