"""Push through a real Celery worker over the real Redis: the ``deliver`` queue end to end."""

from __future__ import annotations

import json
import time

import pytest

from syndicate.cli.run import pending_steps
from syndicate.pipeline.service import ingest_sources, read_sources
from syndicate.settings import Settings
from syndicate.storage.db import get_database
from tests.helpers import EXAMPLES, assert_valid_ninjs
from tests.partners.endpoint import Answer, PartnerEndpoint
from tests.partners.support import add_partner, deliveries

pytestmark = pytest.mark.slow


def test_examples_are_pushed_by_the_worker_in_version_order(
    celery_worker: object, broker_settings: Settings, endpoint: PartnerEndpoint
) -> None:
    from workers.app import task_routes
    from workers.dispatch import dispatcher

    assert task_routes()["syndicate.deliver"] == {"queue": "deliver"}
    db = get_database()
    _, secret = add_partner(
        db, broker_settings, "wire", languages=["en", "ckb", "kmr", "ar"], webhook_url=endpoint.url,
        allow_private_webhook=True,
    )  # fmt: skip
    endpoint.secret = secret or ""
    endpoint.answer(Answer(503, process=False))  # the first push fails once and is retried from the database
    ingest_sources(db, dispatcher(), broker_settings, read_sources(str(EXAMPLES)))

    deadline = time.monotonic() + 120
    while pending_steps(db) or not deliveries(db) or any(d.state == "pending" for d in deliveries(db)):
        assert time.monotonic() < deadline, "deliveries still pending"
        # The beat sweeper's job, done here: re-send what is due (the retry lives in the database).
        from syndicate.pipeline.sweeper import sweep

        sweep(db, dispatcher(), broker_settings)
        time.sleep(0.1)
    done = deliveries(db)
    examples = len(list(EXAMPLES.glob("*.json")))
    assert len(done) == examples and all(d.state == "delivered" for d in done)
    assert all(r.verified for r in endpoint.receipts)
    items = [assert_valid_ninjs(json.loads(body)) for body in endpoint.order()]
    assert len(items) == examples
    newroz = [int(i["version"]) for i in items if i["altids"][0]["value"] == "cn-93005"]
    assert newroz == [1, 2]
    seqs = sorted(int(i["altids"][-1]["value"]) for i in items)
    assert seqs == list(range(1, examples + 1))
