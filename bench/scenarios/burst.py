"""Burst coalescing: 1,000 articles in one language within seconds, through real Celery workers.

The newsroom posts the burst as fast as ingest takes it (batches of 500);
two solo workers and beat run with the production debounce settings. Reported:
how long the burst took to ingest, how many rebuilds each affected feed had,
and how long after the last article was stored every feed held it. The
baseline is the obvious pipeline, one rebuild per article per feed it belongs
to; the ratio is how many rebuilds coalescing saved.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from bench import runs
from bench.corpus import articles
from bench.env import CeleryBeat, CeleryWorker, RedisServer, free_port
from bench.options import Options
from bench.report import ScenarioResult

LANGUAGE = "ckb"


def _feeds_hold(newsroom_id: str) -> bool:
    """Every feed the article belongs to is rendered since its last change, with the article in it."""
    from syndicate.storage.db import get_database
    from syndicate.storage.models import Article, Feed, FeedDocument, FeedEntry

    with get_database().read() as session:
        article = session.scalars(select(Article).where(Article.newsroom_id == newsroom_id)).one_or_none()
        if article is None:
            return False
        feeds = list(
            session.scalars(
                select(Feed).join(FeedEntry, FeedEntry.feed_id == Feed.id).where(FeedEntry.article_id == article.id)
            )
        )
        if not feeds or any(f.rendered_seq < f.change_seq for f in feeds):
            return False
        marker = f":{newsroom_id}</id>".encode()
        for feed in feeds:
            doc = session.get(FeedDocument, (feed.id, "atom", 0))
            if doc is None or marker not in doc.body:
                return False
        return True


def burst(opts: Options, n: int, name: str) -> dict[str, float]:
    """One burst; returns its figures."""
    server = RedisServer().start()
    env = runs.settings_env(opts.postgres_url(name), server.url, SYNDICATE_TRANSLATION_ENABLED="false")
    docs = list(articles(n, languages=(LANGUAGE,), prefix=f"burst{n}", paragraphs=runs.PARAGRAPHS))
    procs: list[CeleryWorker] = []
    beat = CeleryBeat(env)
    try:
        with runs.environment(env):
            from sqlalchemy import func

            from syndicate.settings import get_settings
            from syndicate.storage.db import get_database
            from syndicate.storage.models import Feed, FeedEntry
            from workers.app import configure
            from workers.dispatch import dispatcher

            get_database()
            settings = get_settings()
            app = configure(settings)
            procs = [CeleryWorker(env, name=f"burst{i}-{free_port()}").start() for i in range(2)]
            beat.start()
            runs.ping(app, len(procs))
            started = time.perf_counter()
            runs.ingest(docs, dispatcher())
            stored = time.perf_counter()
            last = docs[-1]["id"]
            deadline = stored + 300
            while not _feeds_hold(last):
                if time.perf_counter() > deadline:
                    raise TimeoutError("the burst's last article never reached all of its feeds")
                time.sleep(0.05)
            fresh = time.perf_counter()
            runs.wait_idle(300)
            with get_database().read() as session:
                counts = [c for (c,) in session.execute(select(Feed.render_count).where(Feed.language == LANGUAGE))]
                members = dict(
                    session.execute(select(FeedEntry.feed_id, func.count()).group_by(FeedEntry.feed_id)).all()
                )
        naive = sum(members.values())
        return {
            "ingest_s": stored - started,
            "fresh_after_s": fresh - stored,
            "max_rebuilds": float(max(counts)),
            "median_rebuilds": float(sorted(counts)[len(counts) // 2]),
            "feeds": float(len(counts)),
            "rebuilds": float(sum(counts)),
            "naive_rebuilds": float(naive),
            "debounce_s": settings.render_debounce_seconds,
            "max_delay_s": settings.render_max_delay_seconds,
        }
    finally:
        for p in procs:
            p.stop()
        beat.stop()
        server.stop()
        opts.drop(name)


def run(opts: Options) -> ScenarioResult:
    n = 100 if opts.quick else 1000
    repeats = max(1, min(opts.repeats, 3))
    result = ScenarioResult(
        "burst",
        f"{n} {LANGUAGE} articles posted as fast as ingest takes them, two solo Celery workers, production "
        "debounce; rebuilds per feed and time until every feed holds the last article. Baseline: one rebuild "
        "per article per feed it belongs to.",
        {"articles": n, "language": LANGUAGE, "repeats": repeats, "workers": 2, "database": "postgresql"},
    )
    runs_ = [burst(opts, n, f"burst{rep}") for rep in range(repeats)]
    for key, unit in (
        ("ingest_s", "s"),
        ("fresh_after_s", "s"),
        ("max_rebuilds", "rebuilds"),
        ("median_rebuilds", "rebuilds"),
        ("rebuilds", "rebuilds"),
    ):
        result.stat(key.replace("_", " "), unit).values = [r[key] for r in runs_]
    worst = max(r["max_rebuilds"] for r in runs_)
    result.ratios["naive rebuilds / actual rebuilds"] = min(r["naive_rebuilds"] / r["rebuilds"] for r in runs_)
    result.ratios["articles ingested per second"] = n / max(r["ingest_s"] for r in runs_)
    result.target("most rebuilds of one feed during the burst", worst, at_most=5)
    first = runs_[0]
    result.notes.append(
        f"{int(first['feeds'])} feeds affected; debounce {first['debounce_s']}s, max delay {first['max_delay_s']}s "
        "(production defaults)."
    )
    return result
