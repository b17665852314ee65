from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from syndicate.api.app import create_app
from syndicate.settings import Settings
from tests.partners.conftest import endpoint, settings  # noqa: F401  (real webhook endpoint; short push retries)


@pytest.fixture
def client(settings: Settings) -> TestClient:  # noqa: F811
    """The API over the test database; steps run inline after each commit (no broker)."""
    return TestClient(create_app(settings))
