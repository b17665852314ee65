"""Memory: peak RSS of a Celery worker after many articles, and of the API server under load.

The pipeline and serving scenarios read these figures while they run; when
this scenario runs after them in the same ``python -m bench`` it reports
theirs, otherwise it runs the pieces it needs. The ratio that matters is the
growth: a worker after N articles against a worker after N/100, and the API
server after the load against the same server idle.
"""

from __future__ import annotations

import statistics

from bench import runs
from bench.corpus import articles
from bench.options import Options
from bench.report import ScenarioResult
from bench.scenarios import serving


def _worker_rss(opts: Options, n: int) -> list[float]:
    docs = list(articles(n, prefix=f"mem{n}", paragraphs=runs.PARAGRAPHS))
    name = f"memory{n}"
    try:
        return runs.celery_run(opts.postgres_url(name), docs).worker_rss_mib
    finally:
        opts.drop(name)


def run(opts: Options) -> ScenarioResult:
    big = 60 if opts.quick else 10_000
    small = 20 if opts.quick else big // 100
    result = ScenarioResult(
        "memory",
        f"Peak RSS (VmHWM) of each of two solo Celery workers after the pipeline of {big} articles, against the "
        f"same after {small}; the API server (2 uvicorn workers + parent) idle and after the serving load.",
        {"articles": big, "baseline_articles": small},
    )
    observed = runs.OBSERVED.get("worker_rss")
    worker_big = observed["mib"] if observed and observed["articles"] == big else _worker_rss(opts, big)
    worker_small = _worker_rss(opts, small)
    result.stat(f"worker peak RSS after {big} articles", "MiB").values = list(worker_big)
    result.stat(f"worker peak RSS after {small} articles", "MiB").values = list(worker_small)
    growth = statistics.median(worker_big) / statistics.median(worker_small)
    result.ratios[f"worker RSS {big} / {small} articles"] = growth
    result.target(f"worker RSS growth from {small} to {big} articles", growth, at_most=1.5)
    if "api_rss" not in runs.OBSERVED:
        serving.run(opts)
    api = runs.OBSERVED["api_rss"]
    result.stat("API server peak RSS, idle", "MiB").values = [api["idle_mib"]]
    result.stat("API server peak RSS, after the serving load", "MiB").values = [api["loaded_mib"]]
    result.ratios["API RSS loaded / idle"] = api["loaded_mib"] / api["idle_mib"]
    return result
