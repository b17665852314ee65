"""An unreachable database, for real: the settings point at a port nothing listens on.

``/readyz`` answers 503 and names the database (the broker, reachable, is ``ok``); ``/healthz`` still
answers; every route that needs the database answers 503 with ``Retry-After`` (never a 500 with a
traceback), and ``/metrics`` still answers, reporting the backlog as unreadable.
"""

from __future__ import annotations

import json
import socket

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from syndicate.api.app import create_app
from syndicate.settings import get_settings, reset_settings
from tests.api.conftest import EDITOR, NEWSROOM
from tests.helpers import article

pytestmark = pytest.mark.redis


def dead_port() -> int:
    """A port nothing listens on: bound once by the OS for us, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def client(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("SYNDICATE_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{dead_port()}/test")
    monkeypatch.setenv("SYNDICATE_BROKER_URL", redis_url)  # the broker is up: only the database is down
    reset_settings()
    return TestClient(create_app(get_settings()), raise_server_exceptions=False)


def test_readyz_is_503_and_names_the_database(client: TestClient) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "error: OperationalError"
    assert body["checks"]["broker"] == "ok"
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [
        ("POST", "/v1/articles", NEWSROOM, json.dumps(article())),
        ("GET", "/v1/articles/t-1", EDITOR, None),
        ("GET", "/feeds/en/rss.xml", {}, None),
        ("GET", "/v1/partner/items", {"Authorization": "Bearer pk_some-partner-key"}, None),
    ],
)
def test_routes_that_need_the_database_answer_503_with_retry_after(
    client: TestClient, method: str, path: str, headers: dict[str, str], body: str | None
) -> None:
    answer = client.request(method, path, headers={**headers, "content-type": "application/json"}, content=body)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    assert answer.json() == {"detail": "the database is unavailable; try again"}


def test_metrics_still_answer_and_say_the_backlog_is_unreadable(client: TestClient) -> None:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    up = {
        s.name: s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
        if s.name == "syndicate_backlog_up"
    }
    assert up == {"syndicate_backlog_up": 0}
