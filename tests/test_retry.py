"""Retry timing shared by partner pushes and translation providers."""

from __future__ import annotations

from datetime import UTC, datetime

from syndicate import retry


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    low = [retry.backoff(n, 10, 300, rand=lambda: 0.0) for n in range(1, 7)]
    high = [retry.backoff(n, 10, 300, rand=lambda: 1.0) for n in range(1, 7)]
    assert low == [5, 10, 20, 40, 80, 150]
    assert high == [10, 20, 40, 80, 160, 300]


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert retry.parse_retry_after("120", now) == 120
    assert retry.parse_retry_after("Thu, 01 Jan 2026 12:01:30 GMT", now) == 90
    assert retry.parse_retry_after("soon", now) is None
    assert retry.parse_retry_after(None, now) is None
    # RFC 1123 dates in another zone notation, and naive "-0000" ones, are GMT too.
    assert retry.parse_retry_after("Thu, 01 Jan 2026 12:00:30 -0000", now) == 30
    assert retry.parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0  # already past
