from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from syndicate.api.app import create_app
from syndicate.settings import Settings

NEWSROOM = {"Authorization": "Bearer newsroom-secret"}
EDITOR = {"Authorization": "Bearer editor-secret"}
ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def client(settings: Settings) -> TestClient:
    """The API over the test database; steps run inline after each commit (no broker)."""
    return TestClient(create_app(settings))
