"""Feed rebuild cost as the number of stored articles grows 100x.

syndicate rebuilds the subscription document from the feed's newest
positions only. The baseline is the straightforward rebuild: query every
article of the language, sort, build the newest 50 with feedgen, serialise.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from feedgen.feed import FeedGenerator
from sqlalchemy import insert, select, update

from bench.corpus import article, seeds
from bench.options import Options
from bench.report import ScenarioResult
from syndicate.domain.prepare import parse_document
from syndicate.feeds.build import build_spec
from syndicate.feeds.render import render_feed
from syndicate.feeds.rss import write as write_rss
from syndicate.languages.localize import localize
from syndicate.settings import get_settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, Feed, FeedEntry, Story

LANGUAGE = "ckb"


def populate(db: Database, n: int) -> int:
    """Insert ``n`` processed, public articles in one language, fast (bulk rows); returns the feed id."""
    pool = seeds()
    templates = []
    for i in range(len(pool[LANGUAGE])):
        doc = parse_document(article(i, LANGUAGE, pool=pool), max_bytes=10**7).document()  # type: ignore[union-attr]
        templates.append((doc, localize(doc, article_id=1)))
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with db.transaction() as session:
        feed = Feed(
            key=LANGUAGE,
            language=LANGUAGE,
            kind="language",
            value="",
            label="",
            next_position=n + 1,
            change_seq=1,
            rendered_seq=0,
            render_count=0,
        )
        session.add(feed)
        session.flush()
        feed_id = feed.id
        batch = 2000
        for lo in range(0, n, batch):
            hi = min(n, lo + batch)
            session.execute(insert(Story), [{"id": i + 1, "created_at": start} for i in range(lo, hi)])
            arts, versions, entries = [], [], []
            for i in range(lo, hi):
                doc, rend = copy.deepcopy(templates[i % len(templates)])
                when = start + timedelta(minutes=i)
                doc.update(id=f"r-{i}", published_at=when.isoformat(), headline=f"{doc['headline']} {i}")
                rend = {**rend, "headline": doc["headline"], "path": f"/ckb/{doc['section']}/{i + 1}/x"}
                arts.append(
                    {
                        "id": i + 1,
                        "newsroom_id": f"r-{i}",
                        "story_id": i + 1,
                        "language": LANGUAGE,
                        "origin": "newsroom",
                        "machine_translated": False,
                        "current_version": 1,
                        "status": "published",
                        "section": doc["section"],
                        "published_at": when,
                        "modified_at": when,
                        "released": True,
                        "withdrawn": False,
                        "created_at": when,
                    }
                )
                versions.append(
                    {
                        "id": i + 1,
                        "article_id": i + 1,
                        "version": 1,
                        "status": "published",
                        "document": doc,
                        "content_hash": str(i),
                        "ingested_at": when,
                        "rendition": rend,
                        "processed_at": when,
                    }
                )
                entries.append({"feed_id": feed_id, "article_id": i + 1, "position": i + 1})
            session.execute(insert(Article), arts)
            session.execute(insert(ArticleVersion), versions)
            session.execute(insert(FeedEntry), entries)
    return feed_id


def baseline_rebuild(db: Database, size: int) -> bytes:
    """The obvious way: every article of the language, sorted in Python, newest 50 into feedgen."""
    with db.read() as session:
        rows = session.execute(
            select(Article, ArticleVersion)
            .join(ArticleVersion, ArticleVersion.article_id == Article.id)
            .where(Article.language == LANGUAGE, Article.released.is_(True))
        ).all()
    latest: dict[int, Any] = {}
    for art, ver in rows:
        if art.id not in latest or ver.version > latest[art.id][1].version:
            latest[art.id] = (art, ver)
    newest = sorted(latest.values(), key=lambda p: p[0].published_at, reverse=True)[:size]
    fg = FeedGenerator()
    fg.title("Chira News")
    fg.link(href="https://chira.example/ckb/")
    fg.description("Chira News")
    fg.language("ku-Arab")
    for art, ver in newest:
        fe = fg.add_entry(order="append")
        fe.id(f"tag:chira.example,2020:{art.newsroom_id}")
        fe.title(ver.document["headline"])
        fe.link(href=ver.document["canonical_url"])
        fe.description(ver.rendition["summary_html"])
        fe.content(ver.rendition["body_html"], type="CDATA")
        fe.pubDate(art.published_at)
    return fg.rss_str(pretty=True)


def ours_rss(db: Database, feed_id: int) -> bytes:
    """syndicate's path for one format: the newest positions, a spec, the RSS writer."""
    settings = get_settings()
    with db.read() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        return write_rss(build_spec(session, settings, feed))


def ours_full_render(db: Database, feed_id: int) -> None:
    """The whole rebuild as the render step does it: every format, compare, store."""
    settings = get_settings()
    with db.transaction() as session:
        session.execute(update(Feed).where(Feed.id == feed_id).values(change_seq=Feed.change_seq + 1))
    with db.transaction() as session:
        assert render_feed(session, settings, feed_id).rendered


def _time(fn: Any, repeats: int) -> list[float]:
    fn()  # warm caches (SQLite pages, lxml, Babel)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def run(opts: Options) -> ScenarioResult:
    sizes = [300, 3000] if opts.quick else [1000, 10_000, 100_000]
    size = get_settings().feed_size
    result = ScenarioResult(
        "feed-rebuild",
        "Time to rebuild one language feed (50 entries) as stored articles grow; baseline = query every "
        "article of the language, sort, build the newest 50 with feedgen, serialise (RSS).",
        {"stored_articles": sizes, "feed_size": size, "repeats": opts.repeats, "database": opts.database},
    )
    ours_at: dict[int, float] = {}
    for n in sizes:
        db = Database(opts.database_url(f"rebuild{n}"))
        db.upgrade()
        feed_id = populate(db, n)
        ours = _time(partial(ours_rss, db, feed_id), opts.repeats)
        full = _time(partial(ours_full_render, db, feed_id), opts.repeats)
        base_repeats = max(2, opts.repeats // 2) if n >= 100_000 else opts.repeats
        base = _time(partial(baseline_rebuild, db, size), base_repeats)
        result.stat(f"syndicate rss rebuild @ {n}", "ms").values = ours
        result.stat(f"syndicate full render (rss+atom+json, stored) @ {n}", "ms").values = full
        result.stat(f"baseline rebuild @ {n}", "ms").values = base
        ours_at[n] = sorted(ours)[len(ours) // 2]
        result.ratios[f"baseline / syndicate @ {n}"] = sorted(base)[len(base) // 2] / ours_at[n]
        db.dispose()
    growth = ours_at[sizes[-1]] / ours_at[sizes[0]]
    result.ratios[f"syndicate rebuild {sizes[-1]} / {sizes[0]}"] = growth
    result.target(f"rebuild flat from {sizes[0]} to {sizes[-1]} stored (ratio)", growth, at_most=1.5)
    result.notes.append(
        "Rows are bulk-inserted (processed and public) so that 100,000 articles load in seconds; "
        "the rebuild paths are the production ones."
    )
    result.notes.append(json.dumps({"sizes": sizes}))
    return result
