"""The observability surface: ``syndicate status``, ``/metrics``, ``/readyz`` and structured logs.

A small but unhappy world is built first: a partner whose endpoint refuses
everything (a dead letter, an open circuit), one that is fine, translation
jobs waiting for people, an embargoed story, and a step that keeps failing.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text, update
from typer.testing import CliRunner

from syndicate.api.app import create_app
from syndicate.cli.main import app as cli
from syndicate.logs import log_context, setup_logging
from syndicate.pipeline.outbox import record_failure
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database
from syndicate.storage.models import OutboxMessage
from syndicate.storage.types import utcnow
from tests.helpers import article
from tests.partners.endpoint import Answer, PartnerEndpoint, running
from tests.partners.support import add_partner, publish


@pytest.fixture
def settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SYNDICATE_PUSH_CIRCUIT_THRESHOLD", "1")
    monkeypatch.setenv("SYNDICATE_PUSH_MAX_ATTEMPTS", "1")
    reset_settings()
    return get_settings()


@pytest.fixture
def world(db: Database, settings: Settings) -> Iterator[dict[str, PartnerEndpoint]]:
    with running(PartnerEndpoint(default=Answer(410))) as gone, running(PartnerEndpoint()) as fine:
        for name, endpoint in (("gone", gone), ("fine", fine)):
            _, secret = add_partner(db, settings, name, webhook_url=endpoint.url, allow_private_webhook=True)
            endpoint.secret = secret or ""
        publish(
            db, settings, article(id="a-1"), article(id="a-2", embargo_until=(utcnow() + timedelta(days=1)).isoformat())
        )
        with db.transaction() as session:
            # A step that keeps failing: overdue, attempted, with its error.
            session.execute(update(OutboxMessage).where(OutboxMessage.key.like("render:%")).values(status="pending"))
            record_failure(session, "render", 1, "OperationalError: the database went away", retry_in=-60)
        yield {"gone": gone, "fine": fine}


def test_status_summarises_backlog_and_failures(world: dict[str, PartnerEndpoint], settings: Settings) -> None:
    result = CliRunner().invoke(cli, ["status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    steps = {s["step"]: s for s in data["steps"]}
    assert steps["render"]["pending"] >= 1 and steps["render"]["overdue"] >= 1 and steps["render"]["retried"] >= 1
    assert set(steps) >= {"process", "payload", "render", "translate", "deliver", "websub"}
    assert data["articles"]["public"] == 1 and data["articles"]["embargoed"] == 1
    assert data["translation_jobs"]["in_review"] >= 1
    assert data["deliveries"] == {"pending": 0, "delivered": 1, "dead": 1}
    assert data["dead_letters"] == 1
    assert [(c["kind"], c["name"], c["state"]) for c in data["circuits"]] == [("partner", "gone", "open")]
    whats = " | ".join(f"{f['what']}: {f['error']}" for f in data["failures"])
    assert "render:1" in whats and "database went away" in whats and "dead delivery" in whats and "410" in whats
    assert data["queues"] == {} and data["queue_error"] is None  # no broker: steps run in-process

    table = CliRunner().invoke(cli, ["status"])
    assert table.exit_code == 0
    for words in ("Owed steps", "render", "Dead letters: 1", "gone", "Push deliveries", "Failures"):
        assert words in table.output


def metrics(client: TestClient) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def test_metrics_read_the_whole_service_at_scrape_time(
    world: dict[str, PartnerEndpoint], settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    monkeypatch.setenv("SYNDICATE_BROKER_URL", redis_url)
    reset_settings()
    redis.Redis.from_url(redis_url).lpush("translate", b"a", b"b", b"c")  # three messages waiting
    m = metrics(TestClient(create_app(get_settings())))
    assert m["syndicate_backlog_up"][()] == 1
    assert m["syndicate_deliveries"][(("state", "dead"),)] == 1
    assert m["syndicate_deliveries"][(("state", "delivered"),)] == 1
    assert m["syndicate_dead_letters"][()] == 1
    assert m["syndicate_translation_jobs"][(("state", "in_review"),)] >= 1
    assert m["syndicate_articles"][(("state", "embargoed"),)] == 1
    assert m["syndicate_queue_depth"][(("queue", "translate"),)] == 3
    assert m["syndicate_queue_depth"][(("queue", "ingest"),)] == 0
    assert m["syndicate_outbox_overdue"][(("step", "render"),)] >= 1
    assert m["syndicate_circuit_open"][(("kind", "partner"),)] == 1
    assert sum(m["syndicate_feed_rebuilds_all_total"].values()) >= 1
    assert m["syndicate_steps_done_recent"][(("step", "process"),)] >= 2
    assert (("quantile", "0.95"), ("step", "payload")) in m["syndicate_step_latency_seconds"]
    assert m["syndicate_articles_ingested_total"][(("outcome", "created"),)] >= 2  # this process's counter


def test_readyz_checks_database_schema_broker_and_queue_bounds(
    db: Database, settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    assert TestClient(create_app(settings)).get("/readyz").json()["checks"] == {
        "database": "ok",
        "broker": "not configured (in-process)",
    }
    monkeypatch.setenv("SYNDICATE_BROKER_URL", redis_url)
    monkeypatch.setenv("SYNDICATE_QUEUE_MAX_DEPTH", "2")
    reset_settings()
    client = TestClient(create_app(get_settings()))
    redis.Redis.from_url(redis_url).lpush("render", b"a", b"b")
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["queues"]["over_bound"] == {"render": 2}

    monkeypatch.setenv("SYNDICATE_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    reset_settings()
    down = TestClient(create_app(get_settings())).get("/readyz")
    assert down.status_code == 503 and down.json()["checks"]["broker"].startswith("error")

    monkeypatch.delenv("SYNDICATE_BROKER_URL")
    reset_settings()
    with db.transaction() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    behind = TestClient(create_app(get_settings())).get("/readyz")
    assert behind.status_code == 503 and "schema at 0001" in behind.json()["checks"]["database"]
    assert TestClient(create_app(get_settings())).get("/healthz").json() == {"status": "ok"}


def test_logs_are_json_lines_with_the_article_version_language_and_partner(db: Database, settings: Settings) -> None:
    stream = io.StringIO()
    handler = setup_logging("INFO", json_logs=True, stream=stream)
    try:
        with running(PartnerEndpoint(default=Answer(503))) as down:
            _, secret = add_partner(db, settings, "flaky", webhook_url=down.url, allow_private_webhook=True)
            down.secret = secret or ""
            with log_context(request_id="r-1"):
                publish(db, settings, article(id="log-1", language="en"))
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    push = [line for line in lines if line["msg"] == "push attempt"]
    assert push, stream.getvalue()[:2000]
    line = push[0]
    assert line["partner"] == "flaky" and line["article"] == "log-1" and line["version"] == 1
    assert line["language"] == "en" and line["step"] == "deliver" and line["request_id"] == "r-1"
    assert line["outcome"] == "dead" and line["level"] == "info" and line["ts"].endswith("+00:00")
