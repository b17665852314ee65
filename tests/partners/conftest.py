from __future__ import annotations

from collections.abc import Iterator

import pytest

from syndicate.partners.webhook import new_secret
from syndicate.settings import Settings, get_settings, reset_settings
from tests.partners.endpoint import PartnerEndpoint, running


@pytest.fixture
def settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The suite's settings with push retries short enough for tests (no waiting on real backoff)."""
    monkeypatch.setenv("SYNDICATE_PUSH_BACKOFF_SECONDS", "0.01")
    monkeypatch.setenv("SYNDICATE_PUSH_BACKOFF_MAX_SECONDS", "0.05")
    monkeypatch.setenv("SYNDICATE_PUSH_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("SYNDICATE_PUSH_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("SYNDICATE_PUSH_CIRCUIT_THRESHOLD", "50")
    reset_settings()
    return get_settings()


@pytest.fixture
def endpoint() -> Iterator[PartnerEndpoint]:
    """A real webhook endpoint on 127.0.0.1; set ``endpoint.secret`` to the partner's secret."""
    with running(PartnerEndpoint(secret=new_secret())) as ep:
        yield ep
