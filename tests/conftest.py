"""Fixtures: real SQLite and PostgreSQL databases, real Redis, a real Celery worker."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database, forget_databases, get_database
from tests.payloads.validation import every_payload_is_valid  # noqa: F401  (autouse: every payload is checked)

PG_ADMIN_URL = os.environ.get("SYNDICATE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_HOST = os.environ.get("SYNDICATE_TEST_REDIS", "redis://127.0.0.1:6379")
# CI sets this: a missing service is then a failure, never a silent skip.
REQUIRE_SERVICES = os.environ.get("SYNDICATE_REQUIRE_SERVICES") == "1"
BACKENDS = [b for b in os.environ.get("SYNDICATE_TEST_DATABASES", "sqlite,postgresql").split(",") if b]

# Settings that tests must not inherit from the developer's environment.
_ENV_KEYS = [k for k in os.environ if k.startswith("SYNDICATE_") and not k.startswith("SYNDICATE_TEST")]


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable: {exc}"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for key in _ENV_KEYS:
        if key not in ("SYNDICATE_STANDARDS_DIR", "SYNDICATE_REQUIRE_SERVICES"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SYNDICATE_DATABASE_URL", f"sqlite:///{tmp_path}/default.db")
    monkeypatch.setenv("SYNDICATE_NEWSROOM_TOKENS", "newsroom-secret")
    monkeypatch.setenv("SYNDICATE_EDITOR_TOKENS", "editor-secret")
    monkeypatch.setenv("SYNDICATE_TRANSLATOR_TOKENS", "translator-secret")
    monkeypatch.setenv("SYNDICATE_ADMIN_TOKENS", "admin-secret")
    monkeypatch.setenv("SYNDICATE_LOG_JSON", "false")
    # Tests read a feed right after rebuilding it; the cache has tests of its own.
    monkeypatch.setenv("SYNDICATE_FEED_CACHE_SECONDS", "0")
    reset_settings()
    yield
    forget_databases()
    reset_settings()


def _postgres_schema_url() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:
        _unavailable("PostgreSQL at 127.0.0.1:5432", exc)
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    try:
        yield f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        forget_databases()
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend (SQLite file, PostgreSQL schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/syndicate.db"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema, for tests that only make sense with concurrent writers."""
    yield from _postgres_schema_url()


@pytest.fixture
def settings(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SYNDICATE_DATABASE_URL", db_url)
    reset_settings()
    return get_settings()


@pytest.fixture
def db(settings: Settings) -> Database:
    return get_database()


@pytest.fixture
def redis_url(worker_id: str) -> Iterator[str]:
    """A Redis database of this test's own (one per xdist worker), flushed before and after."""
    import redis

    base = int(os.environ.get("SYNDICATE_TEST_REDIS_DB", "9"))
    number = base + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    url = f"{REDIS_HOST}/{number}"
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except Exception as exc:
        _unavailable("Redis at 127.0.0.1:6379", exc)
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


ALL_QUEUES = "ingest,translate,render,deliver,maintenance"


@pytest.fixture
def broker_settings(settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings with the real Redis as broker and short debounce windows."""
    monkeypatch.setenv("SYNDICATE_BROKER_URL", redis_url)
    monkeypatch.setenv("SYNDICATE_RENDER_DEBOUNCE_SECONDS", "0.2")
    monkeypatch.setenv("SYNDICATE_RENDER_MAX_DELAY_SECONDS", "1.0")
    monkeypatch.setenv("SYNDICATE_RENDER_MIN_INTERVAL_SECONDS", "0.5")
    monkeypatch.setenv("SYNDICATE_RENDER_MIN_INTERVAL_NARROW_SECONDS", "0.5")
    reset_settings()
    return get_settings()


@pytest.fixture
def celery_worker(broker_settings: Settings) -> Iterator[object]:
    """A real Celery worker (solo pool) in a thread, consuming every queue from Redis."""
    from celery.contrib.testing.worker import start_worker

    from workers.app import configure

    app = configure(broker_settings)
    get_database()  # migrate before the worker starts consuming
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        queues=ALL_QUEUES.split(","),
        loglevel="WARNING",
        shutdown_timeout=30,
    ) as worker:
        yield worker
