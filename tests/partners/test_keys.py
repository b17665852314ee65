"""API keys: several per partner, shown once, stored as SHA-256, expiring and revocable; retry timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syndicate.errors import ValidationFailed
from syndicate.partners import keys, retry, service
from syndicate.partners.tables import Partner
from syndicate.settings import Settings
from syndicate.storage.db import Database
from tests.partners.support import add_partner


def test_issue_verify_rotate_revoke_expire(db: Database, settings: Settings) -> None:
    add_partner(db, settings, "alpha")
    now = datetime.now(UTC)
    with db.transaction() as session:
        partner = service.find(session, "alpha")
        old = keys.issue(session, partner, label="2025")
        new = keys.issue(session, partner, label="2026", expires_at=now + timedelta(days=30))
    assert old.secret.startswith(old.prefix + "_") and old.secret != new.secret
    with db.read() as session:
        assert keys.verify(session, old.secret)[0].name == "alpha"  # type: ignore[index]
        assert keys.verify(session, new.secret) is not None
        assert keys.verify(session, new.secret, now=now + timedelta(days=31)) is None, "expired"
        assert keys.verify(session, old.secret[:-1] + ("A" if old.secret[-1] != "A" else "B")) is None
        assert keys.verify(session, "not-a-key") is None
        listing = keys.listing(session, service.find(session, "alpha"))
    assert [(k["label"], k["state"]) for k in listing] == [("2025", "active"), ("2026", "active")]
    assert all(old.secret not in str(k) for k in listing), "a key is never shown again"
    with db.transaction() as session:
        keys.revoke(session, service.find(session, "alpha"), old.prefix)
    with db.read() as session:
        assert keys.verify(session, old.secret) is None
        assert keys.verify(session, new.secret) is not None, "rotation: the other key still works"
        states = [k["state"] for k in keys.listing(session, service.find(session, "alpha"))]
    assert states == ["revoked", "active"]


def test_expiry_in_the_past_is_refused(db: Database, settings: Settings) -> None:
    add_partner(db, settings, "alpha")
    with db.transaction() as session, pytest.raises(ValidationFailed):
        keys.issue(session, service.find(session, "alpha"), expires_at=datetime.now(UTC) - timedelta(seconds=1))


def test_circuit_opens_after_threshold_and_half_opens_after_cooldown() -> None:
    settings = Settings(push_circuit_threshold=3, push_circuit_cooldown_seconds=60)
    partner = Partner(name="x", circuit="closed", failures=0)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    opened = [retry.record_failure(partner, settings, now) for _ in range(settings.push_circuit_threshold)]
    assert opened[-1] is True and not any(opened[:-1])
    assert retry.state(partner, now) == "open"
    later = now + timedelta(seconds=settings.push_circuit_cooldown_seconds + 1)
    assert retry.state(partner, later) == "half-open" and retry.paused_until(partner, later) is None
    assert retry.record_failure(partner, settings, later) is True  # the probe failed: paused again
    assert retry.state(partner, later) == "open"
    retry.record_success(partner)
    assert retry.state(partner, later) == "closed" and partner.failures == 0
