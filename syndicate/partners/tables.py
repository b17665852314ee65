"""Partner tables: partners, their keys, their sequences, push deliveries and the access audit.

They share the metadata of ``syndicate.storage.models`` so migrations see one schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from syndicate.storage.models import Base
from syndicate.storage.types import JSONType, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")

# Delivery states. ``pending`` covers waiting for its turn, for its next attempt and in flight (leased).
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
CLOSED, OPEN = "closed", "open"


class Partner(Base):
    """A partner outlet: what it subscribes to, how it receives it, and its push health."""

    __tablename__ = "partners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    contact: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Subscriptions; an empty list of sections means every section.
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    sections: Mapped[list[str]] = mapped_column(JSONType, default=list)
    formats: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Delivery methods.
    pull: Mapped[bool] = mapped_column(Boolean, default=True)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    push_format: Mapped[str] = mapped_column(String(16), default="ninjs")
    allow_private_webhook: Mapped[bool] = mapped_column(Boolean, default=False)
    # Entitlement rules.
    trusted_embargo: Mapped[bool] = mapped_column(Boolean, default=False)
    all_images: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last sequence number handed out; bumped under this row's lock.
    last_seq: Mapped[int] = mapped_column(BigId, default=0)
    # Circuit breaker of push delivery.
    circuit: Mapped[str] = mapped_column(String(16), default=CLOSED)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    circuit_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerKey(Base):
    """An API key: only its SHA-256 is stored; the prefix finds it."""

    __tablename__ = "partner_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class PartnerItem(Base):
    """One version in one partner's sequence: what its pull cursor walks and what push delivers."""

    __tablename__ = "partner_items"
    __table_args__ = (
        UniqueConstraint("partner_id", "seq", name="uq_partner_items_partner_seq"),
        UniqueConstraint("partner_id", "version_id", name="uq_partner_items_partner_version"),
        Index("ix_partner_items_partner_article", "partner_id", "article_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    seq: Mapped[int] = mapped_column(BigId)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"))
    version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))
    section: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # new | update | correction | withdrawal
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """A push of one partner item to the partner's webhook, with its retry schedule."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_partner_state", "partner_id", "state"),
        Index("ix_deliveries_partner_article", "partner_id", "article_id", "version"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("partner_items.id"), unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    version: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigId)
    # Standard Webhooks message id: the same on every attempt and replay, so the partner can de-duplicate.
    webhook_id: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]  # an attempt is in flight until then
    # Frozen at the first attempt, so every retry sends the same bytes under the same id.
    body: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(100))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    replays: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    dead_at: Mapped[datetime | None]


class DeliveryAttempt(Base):
    """One HTTP attempt of a delivery (what the partner answered)."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("deliveries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # delivered | retry | failed | dead
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class PartnerAccess(Base):
    """The audit of every pull API request, answered or refused."""

    __tablename__ = "partner_access"
    __table_args__ = (Index("ix_partner_access_partner_at", "partner_id", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    key_prefix: Mapped[str | None] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[int] = mapped_column(Integer)
    remote: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None]


def as_list(value: Any) -> list[str]:
    """A JSON list column as a plain list (never None)."""
    return list(value or [])
