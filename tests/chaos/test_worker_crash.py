"""Kill things for real and check nothing is lost: worker SIGKILL, broker flush and restart."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bench.corpus import articles
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.storage.models import ArticleVersion, Feed, FeedDocument, FeedEntry, Payload
from tests.chaos.conftest import Cluster
from tests.helpers import parse_feed

pytestmark = pytest.mark.slow
N = 300


def publish(cluster: Cluster, n: int = N) -> None:
    from workers.dispatch import dispatcher

    sources = [Source(d["id"], d, 4000) for d in articles(n, prefix="chaos")]
    results = ingest_sources(cluster.db(), dispatcher(), cluster.settings(), sources)
    assert all(str(r.outcome) == "created" for r in results)


def processed(cluster: Cluster) -> int:
    with cluster.db().read() as session:
        return (
            session.scalar(
                select(func.count()).select_from(ArticleVersion).where(ArticleVersion.processed_at.is_not(None))
            )
            or 0
        )


def assert_everything_delivered(cluster: Cluster, n: int = N) -> None:
    """Every version processed once, one payload per version and format, every feed complete and current."""
    with cluster.db().read() as session:
        assert processed(cluster) == n
        per_version = session.execute(
            select(Payload.version_id, Payload.format, func.count()).group_by(Payload.version_id, Payload.format)
        ).all()
        assert len({v for v, _, _ in per_version}) == n
        assert all(count == 1 for _, _, count in per_version)
        for feed in session.scalars(select(Feed)):
            assert feed.rendered_seq == feed.change_seq, feed.key
            members = session.scalar(select(func.count()).select_from(FeedEntry).where(FeedEntry.feed_id == feed.id))
            doc = session.get(FeedDocument, (feed.id, "atom", 0))
            assert doc is not None, feed.key
            parsed = parse_feed(doc.body, "application/atom+xml")
            ids = [e.id for e in parsed.entries]
            assert len(ids) == len(set(ids)), f"duplicate entries in {feed.key}"
            assert len(ids) == min(members or 0, cluster.settings().feed_size), feed.key


def test_worker_sigkilled_mid_batch(cluster: Cluster) -> None:
    worker = cluster.start_worker()
    publish(cluster)
    cluster.wait(lambda: processed(cluster) >= N // 5, 120, "some progress")
    worker.kill()
    assert processed(cluster) < N, "the batch finished before the kill: raise N"
    cluster.start_worker()
    cluster.wait_idle()
    assert_everything_delivered(cluster)


def test_broker_flushed_mid_batch(cluster: Cluster) -> None:
    import redis

    cluster.start_worker()
    publish(cluster)
    cluster.wait(lambda: processed(cluster) >= N // 5, 120, "some progress")
    redis.Redis.from_url(cluster.redis.url).flushall()
    cluster.wait_idle()
    assert_everything_delivered(cluster)


def test_broker_restarted_mid_batch(cluster: Cluster) -> None:
    cluster.start_worker()
    publish(cluster)
    cluster.wait(lambda: processed(cluster) >= N // 5, 120, "some progress")
    cluster.redis.restart()  # SIGKILL and a fresh, empty server on the same port
    cluster.wait_idle()
    assert_everything_delivered(cluster)
