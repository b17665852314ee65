"""Fixtures: provider simulators on a real local HTTP server, and settings routing to them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from syndicate.pipeline.run import InlineDispatcher
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database
from syndicate.translation.tables import TranslationJob, TranslationSegment
from tests.translation.providers import PREFIXES, SIMULATORS, Provider, backend_env


@pytest.fixture(scope="session")
def _httpd() -> Iterator[HTTPServer]:
    httpd = HTTPServer(host="127.0.0.1", threaded=True)
    httpd.start()
    yield httpd
    httpd.stop()


@pytest.fixture
def server(_httpd: HTTPServer) -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1 (threaded: a stalled answer does not hold the next request).

    Started once per test process; every test gets it with no handler installed.
    """
    _httpd.clear()
    yield _httpd
    _httpd.clear()


@pytest.fixture
def providers(server: HTTPServer) -> dict[str, Provider]:
    """One simulator per HTTP provider, all on one local server under their own prefixes."""
    return {name: cls(server, prefix=PREFIXES[name]).install() for name, cls in SIMULATORS.items()}


Configure = Callable[..., Settings]


@pytest.fixture
def configure(settings: Settings, providers: dict[str, Provider], monkeypatch: pytest.MonkeyPatch) -> Configure:
    """Point every provider backend at its simulator and set routes (and other settings) by name."""

    def apply(routes: dict[str, list[str]] | None = None, unconfigured: tuple[str, ...] = (), **extra: Any) -> Settings:
        for name, provider in providers.items():
            if name not in unconfigured:
                monkeypatch.setenv(f"SYNDICATE_TRANSLATION_{name.upper()}", json.dumps(backend_env(name, provider)))
        monkeypatch.setenv("SYNDICATE_TRANSLATION_ROUTES", json.dumps(routes or {"*": ["memory", "human"]}))
        monkeypatch.setenv("SYNDICATE_TRANSLATION_BACKOFF_SECONDS", "0.01")
        for key, value in extra.items():
            monkeypatch.setenv(f"SYNDICATE_{key.upper()}", value if isinstance(value, str) else json.dumps(value))
        reset_settings()
        return get_settings()

    return apply


def ingest(db: Database, settings: Settings, *docs: dict[str, Any]) -> list[Any]:
    """Ingest documents and run every owed step in this process (process, translate, render...)."""
    sources = [Source(f"doc{i}", d, len(json.dumps(d))) for i, d in enumerate(docs)]
    return ingest_sources(db, InlineDispatcher(db, settings), settings, sources)


def jobs(db: Database, **where: Any) -> list[TranslationJob]:
    with db.read() as session:
        query = select(TranslationJob).order_by(TranslationJob.id)
        for key, value in where.items():
            query = query.where(getattr(TranslationJob, key) == value)
        return list(session.scalars(query))


def job_for(db: Database, target: str, version: int = 1) -> TranslationJob:
    [job] = jobs(db, target_language=target, source_version=version)
    return job


def segments(db: Database, job_id: int) -> dict[str, TranslationSegment]:
    with db.read() as session:
        rows = session.scalars(select(TranslationSegment).where(TranslationSegment.job_id == job_id))
        return {s.key: s for s in rows}
