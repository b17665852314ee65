"""A hanging partner endpoint or translation backend does not hold up the others.

Real workers (a thread pool on the queue under test, as production runs I/O
queues), real endpoints on 127.0.0.1. One side never answers within the
time-out; the other answers at once. The healthy side must get everything
while the hanging one has been tried only a handful of times: a failing
target gets one attempt at a time, so its backlog waits in the database
instead of in the workers. Without that, the healthy side's messages sit
behind every one of the hanging side's (they are interleaved in one queue),
and the hanging side is tried about once per message (``N`` times) before
the healthy one is done; with it, a few times (the first wave, then one
probe per time-out).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from bench.corpus import articles
from syndicate.partners import service
from syndicate.partners.spec import PartnerCreate
from syndicate.partners.webhook import new_secret
from syndicate.pipeline.outbox import unit_of_work
from syndicate.pipeline.run import InlineDispatcher
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.storage.models import Article
from tests.chaos.conftest import Cluster
from tests.partners.endpoint import Answer, PartnerEndpoint, running
from tests.translation.providers import GoogleServer, LibreTranslateServer, backend_env

pytestmark = pytest.mark.slow
N = 40
HANG = 60.0  # far past every time-out: the endpoint never answers in time
OTHER_QUEUES = "ingest,render,maintenance"


def publish(cluster: Cluster, n: int = N) -> None:
    from workers.dispatch import dispatcher

    docs = list(articles(n, languages=("en",), prefix="iso", paragraphs=2))
    results = ingest_sources(cluster.db(), dispatcher(), cluster.settings(), [Source(d["id"], d, 4000) for d in docs])
    assert all(r.changed for r in results)


class TestPartners:
    @pytest.fixture
    def cluster_settings(self) -> dict[str, str]:
        return {
            "SYNDICATE_TRANSLATION_ENABLED": "false",
            "SYNDICATE_PUSH_TIMEOUT_SECONDS": "1",
            "SYNDICATE_PUSH_CIRCUIT_THRESHOLD": "1000",  # no circuit breaker: the isolation alone is under test
            "SYNDICATE_PUSH_MAX_ATTEMPTS": "1000",
        }

    @pytest.fixture
    def endpoints(self) -> Iterator[tuple[PartnerEndpoint, PartnerEndpoint]]:
        with (
            running(PartnerEndpoint(new_secret(), default=Answer(delay=HANG))) as hanging,
            running(PartnerEndpoint(new_secret())) as healthy,
        ):
            yield hanging, healthy

    def test_a_hanging_partner_does_not_hold_up_a_healthy_one(
        self, cluster: Cluster, endpoints: tuple[PartnerEndpoint, PartnerEndpoint]
    ) -> None:
        hanging, healthy = endpoints
        db, settings = cluster.db(), cluster.settings()
        for name, endpoint in (("hanging", hanging), ("healthy", healthy)):
            with unit_of_work(db, InlineDispatcher(db, settings), settings.step_deadline_seconds) as uow:
                spec = PartnerCreate(name=name, languages=["en"], webhook_url=endpoint.url, allow_private_webhook=True)
                _, secret, _ = service.create(uow, settings, spec)
            endpoint.secret = secret or ""
        cluster.start_worker(queues=OTHER_QUEUES)
        cluster.start_worker(queues="deliver", pool="threads", concurrency=4)
        publish(cluster)
        cluster.wait(lambda: len(healthy.processed) == N, 120, "the healthy partner to get every item")
        tried = len(hanging.receipts)
        assert tried < N // 2, f"the hanging partner was tried {tried} times before the healthy one was served"


class TestTranslationBackends:
    @pytest.fixture
    def providers(self) -> Iterator[tuple[LibreTranslateServer, GoogleServer]]:
        httpd = HTTPServer(host="127.0.0.1", threaded=True)
        httpd.start()
        release = threading.Event()
        hanging = LibreTranslateServer(httpd, prefix="/libre").install()
        hanging.on_request = lambda _: release.wait(HANG)  # never answers within the time-out
        healthy = GoogleServer(httpd).install()
        try:
            yield hanging, healthy
        finally:
            release.set()
            httpd.stop()

    @pytest.fixture
    def cluster_settings(self, providers: tuple[LibreTranslateServer, GoogleServer]) -> dict[str, str]:
        hanging, healthy = providers
        libre = {**backend_env("libretranslate", hanging, timeout=1.0), "language_codes": {"ckb": "ckb"}}
        return {
            "SYNDICATE_TRANSLATION_POLICY": json.dumps({"targets": ["ckb", "ar"], "publish": "machine"}),
            "SYNDICATE_TRANSLATION_ROUTES": json.dumps({"en>ckb": ["libretranslate"], "en>ar": ["google"]}),
            "SYNDICATE_TRANSLATION_LIBRETRANSLATE": json.dumps(libre),
            "SYNDICATE_TRANSLATION_GOOGLE": json.dumps(backend_env("google", healthy)),
            "SYNDICATE_TRANSLATION_RETRY_ATTEMPTS": "1",
            "SYNDICATE_TRANSLATION_BREAKER_FAILURES": "1000",  # no circuit breaker: the isolation alone is under test
        }

    def test_a_hanging_backend_does_not_hold_up_other_languages(
        self, cluster: Cluster, providers: tuple[LibreTranslateServer, GoogleServer]
    ) -> None:
        hanging, healthy = providers
        cluster.start_worker(queues=OTHER_QUEUES + ",deliver")
        cluster.start_worker(queues="translate", pool="threads", concurrency=4)
        publish(cluster)

        def arabic() -> int:
            with cluster.db().read() as session:
                return len(session.scalars(select(Article.id).where(Article.language == "ar")).all())

        cluster.wait(lambda: arabic() == N, 120, "every Arabic translation")
        tried = len(hanging.requests)
        assert healthy.requests, "Arabic came from somewhere else"
        assert tried < N // 2, f"the hanging backend was tried {tried} times before Arabic was done"
