"""Partner API keys: shown once, stored as SHA-256, found by a visible prefix.

A key looks like ``cnp_<prefix>_<secret>``: the prefix (public, unique) finds
the row, the SHA-256 of the whole key is compared in constant time. Keys have
high entropy (256 bits), so a fast hash is enough: there is nothing to guess.
Several keys per partner allow rotation; each may expire and can be revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.errors import NotFound, Problem, ValidationFailed
from syndicate.partners.tables import Partner, PartnerKey
from syndicate.storage.types import utcnow

SCHEME = "cnp"
# Compared against when the prefix is unknown, so both paths cost one comparison.
_DUMMY_DIGEST = hashlib.sha256(b"no such key").hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    """A new key: ``secret`` is the only time the full key is ever available."""

    id: int
    partner: str
    prefix: str
    secret: str
    label: str
    expires_at: datetime | None


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def split(key: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    parts = key.split("_", 2)  # the secret part may itself contain "_"
    if len(parts) != 3 or parts[0] != SCHEME or not parts[1] or not parts[2]:
        return None
    return f"{parts[0]}_{parts[1]}"


def issue(session: Session, partner: Partner, *, label: str = "", expires_at: datetime | None = None) -> IssuedKey:
    """Create a key for ``partner``; only its digest is stored."""
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationFailed([Problem("expires_at", "the expiry is in the past")])
    prefix = f"{SCHEME}_{secrets.token_hex(6)}"
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    row = PartnerKey(partner_id=partner.id, prefix=prefix, digest=digest(secret), label=label, expires_at=expires_at)
    session.add(row)
    session.flush()
    return IssuedKey(row.id, partner.name, prefix, secret, label, expires_at)


def verify(session: Session, key: str, *, now: datetime | None = None) -> tuple[Partner, PartnerKey] | None:
    """The active partner and key row for ``key``, or None (unknown, revoked, expired, inactive)."""
    now = now or utcnow()
    prefix = split(key)
    row = session.scalar(select(PartnerKey).where(PartnerKey.prefix == prefix)) if prefix else None
    expected = row.digest if row is not None else _DUMMY_DIGEST
    if not hmac.compare_digest(expected.encode(), digest(key).encode()) or row is None:
        return None
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    partner = session.get(Partner, row.partner_id)
    if partner is None or not partner.active or not partner.pull:
        return None
    return partner, row


def owner(session: Session, prefix: str) -> int | None:
    """The partner a key prefix belongs to (for the audit of refused requests)."""
    return session.scalar(select(PartnerKey.partner_id).where(PartnerKey.prefix == prefix))


def revoke(session: Session, partner: Partner, key: str) -> PartnerKey:
    """Revoke a key of ``partner`` given its id or prefix (idempotent)."""
    query = select(PartnerKey).where(PartnerKey.partner_id == partner.id)
    query = query.where(PartnerKey.id == int(key)) if key.isdigit() else query.where(PartnerKey.prefix == key)
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"partner {partner.name!r} has no key {key!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def listing(session: Session, partner: Partner, *, now: datetime | None = None) -> list[dict[str, object]]:
    """The keys of ``partner`` (never their secrets)."""
    now = now or utcnow()
    out = []
    for row in session.scalars(select(PartnerKey).where(PartnerKey.partner_id == partner.id).order_by(PartnerKey.id)):
        if row.revoked_at is not None:
            state = "revoked"
        elif row.expires_at is not None and row.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        out.append(
            {
                "id": row.id,
                "prefix": row.prefix,
                "label": row.label,
                "state": state,
                "created_at": row.created_at.isoformat(),
                "expires_at": row.expires_at.isoformat() if row.expires_at else None,
                "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
            }
        )
    return out
