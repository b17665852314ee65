"""Every pipeline step run twice changes nothing the second time, on SQLite and PostgreSQL.

A step may run again whenever a message is redelivered (a worker killed after its commit, the sweeper
re-sending an overdue row while the first message is still queued). The whole path runs here with each
step executed twice in a row: process, payload, render, translate (a machine draft published at once),
deliver (a signed push) and websub. After the second run the database is the same row for row, nothing
new is owed or sent, and the translator, the partner endpoint and the hub saw no second request.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import MetaData, select

from syndicate.pipeline.outbox import Message
from syndicate.pipeline.run import LocalQueue, run_step
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database, get_database
from tests.helpers import article
from tests.partners.endpoint import PartnerEndpoint, running
from tests.partners.support import add_partner
from tests.payloads.validation import every_payload_is_valid  # noqa: F401  (autouse)
from tests.translation.providers import LibreTranslateServer

STEPS_EXPECTED = {"process", "payload", "render", "translate", "deliver", "websub"}


class Spy:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, messages: Sequence[Message]) -> None:
        self.sent.extend(messages)


def snapshot(db: Database, metadata: MetaData) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    out = {}
    with db.read() as session:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(row) for row in session.execute(select(table).order_by(*order))]
    return out


@pytest.fixture
def world(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    httpd = HTTPServer(host="127.0.0.1")
    httpd.start()
    translator = LibreTranslateServer(httpd, prefix="/libre").install()
    httpd.expect_request("/hub", method="POST").respond_with_data("", status=204)
    env = {
        "SYNDICATE_TRANSLATION_POLICY": json.dumps({"targets": ["ckb"], "publish": "machine"}),
        "SYNDICATE_TRANSLATION_ROUTES": json.dumps({"*": ["memory", "libretranslate"]}),
        "SYNDICATE_TRANSLATION_LIBRETRANSLATE": json.dumps({"url": translator.url, "language_codes": {"ckb": "ckb"}}),
        "SYNDICATE_WEBSUB_HUBS": httpd.url_for("/hub"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    try:
        with running(PartnerEndpoint()) as endpoint:
            yield {"settings": get_settings(), "translator": translator, "endpoint": endpoint, "httpd": httpd}
    finally:
        httpd.clear()
        httpd.stop()


def test_every_step_run_twice_changes_nothing(world: dict[str, Any]) -> None:
    settings: Settings = world["settings"]
    db = get_database()
    endpoint: PartnerEndpoint = world["endpoint"]
    _, secret = add_partner(
        db, settings, "wire", languages=["en", "ckb"], webhook_url=endpoint.url, allow_private_webhook=True
    )
    endpoint.secret = secret or ""
    ran: Counter[str] = Counter()
    tables = MetaData()
    tables.reflect(db.engine)

    def outside() -> tuple[int, int, int]:
        return len(world["translator"].requests), len(endpoint.receipts), len(world["httpd"].log)

    def twice(step: str, ids: list[int]) -> None:
        run_step(db, queue, settings, step, ids)
        before, calls = snapshot(db, tables), outside()
        again = Spy()
        run_step(db, again, settings, step, ids)
        assert snapshot(db, tables) == before, f"running {step} {ids} again changed the database"
        assert again.sent == [], f"running {step} {ids} again owed {again.sent}"
        assert outside() == calls, f"running {step} {ids} again called out (translator, partner, hub)"
        ran[step] += 1

    queue = LocalQueue(twice)
    docs = [article(id="i-1"), article(id="i-2", section="world", tags=["Baghdad"])]
    ingest_sources(db, queue, settings, [Source(d["id"], d, 1000) for d in docs])
    queue.drain()
    correction = article(id="i-1", version=2, status="corrected", correction_note="Fixed a figure.")
    ingest_sources(db, queue, settings, [Source("c", correction, 1000)])
    queue.drain()

    assert set(ran) == STEPS_EXPECTED, ran
    assert endpoint.processed, "nothing was pushed: deliver was not exercised"
    assert world["translator"].requests, "nothing was translated: translate was not exercised"
