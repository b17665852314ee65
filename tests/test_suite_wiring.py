"""Suite-wide fixtures are wired at the root, so no directory runs without them."""

from __future__ import annotations

import pytest


def test_every_test_validates_the_payloads_it_produces(request: pytest.FixtureRequest) -> None:
    # Autouse from tests/conftest.py: a test anywhere that renders ninjs or NewsML-G2 is checked.
    assert "every_payload_is_valid" in request.fixturenames
