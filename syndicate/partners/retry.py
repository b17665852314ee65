"""Retry timing and the per-partner circuit breaker of push delivery (pure functions).

Retry delays live in the database (``deliveries.next_attempt_at`` and the
outbox row's ``due_at``): the sweeper sends a delivery again when it is due, so
no Celery countdown ever outlives the broker's visibility timeout.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from syndicate.partners.tables import CLOSED, OPEN, Partner
from syndicate.retry import backoff
from syndicate.settings import Settings

HALF_OPEN = "half-open"
MAX_RETRY_AFTER = 86_400.0


def retry_delay(attempt: int, retry_after: float | None, settings: Settings) -> float:
    """When to try again: what the partner asked for (``Retry-After``), else exponential backoff."""
    if retry_after is not None:
        # The partner's own word wins over our schedule (bounded: a typo must not park it for a year).
        return min(max(retry_after, 0.0), MAX_RETRY_AFTER)
    return backoff(attempt, settings.push_backoff_seconds, settings.push_backoff_max_seconds)


def state(partner: Partner, now: datetime) -> str:
    """closed (pushing), open (paused until ``circuit_until``) or half-open (paused time is over: probing)."""
    if partner.circuit != OPEN:
        return CLOSED
    if partner.circuit_until is not None and partner.circuit_until > now:
        return OPEN
    return HALF_OPEN


def paused_until(partner: Partner, now: datetime) -> datetime | None:
    """The end of the pause while the circuit is open, else None."""
    return partner.circuit_until if state(partner, now) == OPEN else None


def record_success(partner: Partner) -> None:
    partner.failures = 0
    partner.circuit = CLOSED
    partner.circuit_until = None


def record_failure(partner: Partner, settings: Settings, now: datetime) -> bool:
    """Count a failed attempt; opens the circuit past the threshold. True if it just opened."""
    partner.failures = (partner.failures or 0) + 1
    if partner.failures < settings.push_circuit_threshold:
        return False
    was_open = state(partner, now) == OPEN
    # In half-open, one more failure pauses again for a whole cool-down.
    partner.circuit = OPEN
    partner.circuit_until = now + timedelta(seconds=settings.push_circuit_cooldown_seconds)
    return not was_open
