"""Kill things for real and check nothing is lost or doubled: worker SIGKILL, broker flush and restart.

Each test publishes a burst (newsroom articles, machine translations, corrections,
two push partners), breaks something in the middle of it, lets the cluster
recover on its own (a new worker, the sweeper run by beat) and then walks every
feed's archive and every partner endpoint (see ``newsroom``).
"""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import func, select

from syndicate.partners.tables import DELIVERED, Delivery
from syndicate.storage.models import ArticleVersion
from tests.chaos.conftest import Cluster
from tests.chaos.newsroom import Newsroom, check_everything, newsroom  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow
N = 100  # newsroom articles; with two translations each and corrections: 339 stored versions


@pytest.fixture
def cluster_settings(newsroom: Newsroom) -> dict[str, str]:  # noqa: F811
    return newsroom.settings()


def progress(cluster: Cluster) -> tuple[int, int]:
    """(versions processed, pushes delivered) so far."""
    with cluster.db().read() as session:
        processed = select(func.count()).select_from(ArticleVersion).where(ArticleVersion.processed_at.is_not(None))
        delivered = select(func.count()).select_from(Delivery).where(Delivery.state == DELIVERED)
        return session.scalar(processed) or 0, session.scalar(delivered) or 0


def midway(cluster: Cluster, n: int = N) -> bool:
    """Some of everything has happened: translations published, partners pushed to."""
    processed, delivered = progress(cluster)
    return processed >= n and delivered >= n // 4


def start(cluster: Cluster, newsroom: Newsroom) -> None:  # noqa: F811
    newsroom.add_partners(cluster)
    cluster.start_worker()
    newsroom.publish(cluster, N)
    cluster.wait(lambda: midway(cluster), 120, "the burst to be half-way")


def test_worker_sigkilled_mid_burst(cluster: Cluster, newsroom: Newsroom) -> None:  # noqa: F811
    start(cluster, newsroom)
    cluster.workers[0].kill()
    assert not cluster.idle(), "the burst finished before the kill: raise N"
    cluster.start_worker()
    cluster.wait_idle()
    check_everything(cluster, newsroom)


def test_broker_flushed_mid_burst(cluster: Cluster, newsroom: Newsroom) -> None:  # noqa: F811
    start(cluster, newsroom)
    redis.Redis.from_url(cluster.redis.url).flushall()
    assert not cluster.idle(), "the burst finished before the flush: raise N"
    cluster.wait_idle()
    check_everything(cluster, newsroom)


def test_broker_restarted_mid_burst(cluster: Cluster, newsroom: Newsroom) -> None:  # noqa: F811
    start(cluster, newsroom)
    cluster.redis.restart()  # SIGKILL and a fresh, empty server on the same port
    assert not cluster.idle(), "the burst finished before the restart: raise N"
    cluster.wait_idle()
    check_everything(cluster, newsroom)
