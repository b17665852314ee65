"""Every payload a test produces is checked against the IPTC schemas (format checks on).

Wired for the whole suite in ``tests/conftest.py``. Both the stored payloads
and the per-partner ones go through ``render_payload``; the fixture records
each one and validates them when the test ends (a failure inside a worker
thread would otherwise only be logged). Identical bodies are validated once,
and a test that renders nothing costs two attribute swaps.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import assert_valid_newsml, assert_valid_ninjs


@pytest.fixture(autouse=True)
def every_payload_is_valid(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    from syndicate.partners import render as partner_render
    from syndicate.payloads import build

    original = build.render_payload
    produced: list[tuple[str, str]] = []

    def recorded(ctx: object, fmt: str) -> str:
        body = original(ctx, fmt)  # type: ignore[arg-type]
        produced.append((fmt, body))
        return body

    monkeypatch.setattr(build, "render_payload", recorded)
    monkeypatch.setattr(partner_render, "render_payload", recorded)
    yield produced
    for fmt, body in dict.fromkeys(produced):
        if fmt == "ninjs":
            assert_valid_ninjs(body)
        else:
            assert_valid_newsml(body)
