"""The database goes away for a few seconds mid-burst: tasks retry, the sweeper re-sends, nothing is lost.

The shared PostgreSQL keeps running (others use it): the workers and beat reach
it through a TCP proxy that the test cuts, which drops their open connections
and refuses new ones, exactly as a database restart or a network partition looks
to them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from bench.env import TcpProxy
from tests.chaos.conftest import Cluster
from tests.chaos.newsroom import Newsroom, check_everything, newsroom  # noqa: F401  (fixture)
from tests.chaos.test_worker_crash import midway

pytestmark = pytest.mark.slow
OUTAGE_SECONDS = 6.0
N = 80  # newsroom articles: 270 stored versions with their translations and corrections


@pytest.fixture
def proxy(pg_url: str) -> Iterator[TcpProxy]:
    url = make_url(pg_url)
    p = TcpProxy(url.port or 5432, url.host or "127.0.0.1")
    yield p
    p.close()


@pytest.fixture
def worker_database_url(pg_url: str, proxy: TcpProxy) -> str:
    return make_url(pg_url).set(port=proxy.port).render_as_string(hide_password=False)


@pytest.fixture
def cluster_settings(newsroom: Newsroom) -> dict[str, str]:  # noqa: F811
    return newsroom.settings()


def test_database_unreachable_for_a_few_seconds(cluster: Cluster, newsroom: Newsroom, proxy: TcpProxy) -> None:  # noqa: F811
    newsroom.add_partners(cluster)
    workers = [cluster.start_worker(), cluster.start_worker()]  # both through the proxy
    newsroom.publish(cluster, N)
    cluster.wait(lambda: midway(cluster, N), 120, "the burst to be half-way")
    proxy.cut()
    time.sleep(OUTAGE_SECONDS)
    assert not cluster.idle(), "the burst finished before the outage: raise N"
    proxy.restore()
    cluster.wait_idle()
    assert all(w.proc is not None and w.proc.poll() is None for w in workers), "a worker died of the outage"
    assert any("OperationalError" in w.output() for w in workers), "the outage was not seen by the workers"
    check_everything(cluster, newsroom)
