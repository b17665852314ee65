"""Serving: feeds and the partner pull API under load, against nginx serving the exported files.

A database is filled through the whole pipeline (articles in four languages,
one partner); the feeds are exported to a folder. Then, in the same run, wrk
loads ``syndicate serve`` (uvicorn, two worker processes) and nginx (two
worker processes) on the same machine at 1, 16 and 64 connections:

- ``GET /feeds/ckb/rss.xml``, the full body, and with ``If-None-Match`` (304);
- the same file from nginx, full and 304 (nginx's own ETag);
- the partner pull API, walking ``items?since=`` pages with a partner key.

The figure is syndicate's rate divided by nginx's.
"""

from __future__ import annotations

import json
import shutil
import statistics
import urllib.request
from pathlib import Path

from sqlalchemy import select

from bench import runs, wrk
from bench.corpus import articles
from bench.env import ApiServer, Nginx, tree_peak_rss_mib
from bench.options import Options
from bench.report import ScenarioResult

FEED = "/feeds/ckb/rss.xml"
CONNECTIONS = (1, 16, 64)


def _prepare(url: str, docs: list[dict], export: Path) -> tuple[str, str]:
    """Fill the database, export the feeds; returns a partner key and the feed's ETag."""
    runs.inprocess_run(url, docs, processes=1)
    with runs.environment(runs.settings_env(url, None)):
        from syndicate.feeds.export import export_feeds
        from syndicate.partners import keys
        from syndicate.partners.tables import Partner
        from syndicate.storage.db import get_database
        from syndicate.storage.models import Feed, FeedDocument

        with get_database().transaction() as session:
            partner = session.scalars(select(Partner).where(Partner.name == "wire")).one()
            key = keys.issue(session, partner, label="bench").secret
            export_feeds(session, export)
            feed = session.scalars(select(Feed).where(Feed.key == "ckb")).one()
            doc = session.get(FeedDocument, (feed.id, "rss", 0))
            assert doc is not None
            return key, doc.etag


def _pages(base: str, key: str) -> list[str]:
    """The pull API's page paths, following ``next`` from the start."""
    paths, since = [], ""
    while True:
        path = f"/v1/partner/items?limit=50{'&since=' + since if since else ''}"
        request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            page = json.loads(answer.read())
        paths.append(path)
        if not page["items"] or not page.get("next"):
            return paths
        since = page["next"]


def _etag(url: str) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as answer:
        return str(answer.headers["ETag"])


def run(opts: Options) -> ScenarioResult:
    missing = wrk.available()
    n = 60 if opts.quick else 400
    seconds = 2.0 if opts.quick else 10.0
    repeats = 1 if opts.quick else max(1, min(opts.repeats, 3))
    result = ScenarioResult(
        "serving",
        f"wrk against `syndicate serve` (uvicorn, 2 workers) and nginx (2 workers) serving the exported file, "
        f"{seconds:.0f}s per measurement; partner pull API paging with a key.",
        {"articles": n, "connections": list(CONNECTIONS), "seconds": seconds, "repeats": repeats},
    )
    if missing:
        result.skipped = missing
        return result
    export = opts.workdir / "export"
    url = opts.postgres_url("serving")
    key, etag = _prepare(url, list(articles(n, prefix="serve", paragraphs=runs.PARAGRAPHS)), export)
    env = runs.settings_env(url, None)
    api, nginx = ApiServer(env, workers=2), Nginx(export, workers=2)
    try:
        api.start()
        nginx.start()
        feed_file = FEED.removeprefix("/feeds")
        nginx_etag = _etag(nginx.url + feed_file)
        assert _etag(api.url + FEED) == etag
        pages = _pages(api.url, key)
        idle_rss = tree_peak_rss_mib(api.proc.pid) if api.proc else 0.0
        cases = {
            "syndicate full": (api.url, [FEED], {}),
            "syndicate 304": (api.url, [FEED], {"If-None-Match": etag}),
            "nginx full": (nginx.url, [feed_file], {}),
            "nginx 304": (nginx.url, [feed_file], {"If-None-Match": nginx_etag}),
            "pull API pages": (api.url, pages, {"Authorization": f"Bearer {key}"}),
        }
        for conns in CONNECTIONS:
            for _ in range(repeats):
                for name, (base, paths, headers) in cases.items():
                    got = wrk.load(base, paths, connections=conns, seconds=seconds, headers=headers)
                    if got.bad:
                        raise RuntimeError(f"{name} @ {conns}: {got.bad} failed requests")
                    result.stat(f"{name} @ {conns} req/s", "req/s").values.append(got.rps)
                    result.stat(f"{name} @ {conns} p50", "ms").values.append(got.p50_ms)
                    result.stat(f"{name} @ {conns} p99", "ms").values.append(got.p99_ms)
            for kind in ("full", "304"):
                ours = statistics.median(result.stats[f"syndicate {kind} @ {conns} req/s"].values)
                theirs = statistics.median(result.stats[f"nginx {kind} @ {conns} req/s"].values)
                result.ratios[f"syndicate / nginx, {kind} @ {conns}"] = ours / theirs
        loaded_rss = tree_peak_rss_mib(api.proc.pid) if api.proc else 0.0
        runs.OBSERVED["api_rss"] = {"idle_mib": idle_rss, "loaded_mib": loaded_rss}
        result.stat("API server peak RSS (2 workers + parent), idle", "MiB").values = [idle_rss]
        result.stat("API server peak RSS (2 workers + parent), after the load", "MiB").values = [loaded_rss]
        worst = min(result.ratios[f"syndicate / nginx, 304 @ {c}"] for c in CONNECTIONS if c > 1)
        result.target("syndicate 304 rate / nginx 304 rate (worst of 16, 64 connections)", worst, at_least=0.5)
        result.notes.append(
            f"{len(pages)} pull API pages of 50 items; every pull request is authenticated (key digest), "
            "rate-limited and recorded in the access audit."
        )
        result.notes.append(
            "Feeds are answered from each API process's memory for feed_cache_seconds (1 s) after a database "
            "read; nginx serves the file written by the export."
        )
    finally:
        api.stop()
        nginx.stop()
        opts.drop("serving")
        shutil.rmtree(export, ignore_errors=True)
    return result
