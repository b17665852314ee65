"""Partner management, shared by ``syndicate partners ...`` and the admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from syndicate.errors import Conflict, NotFound, Problem, ValidationFailed
from syndicate.partners import retry, ssrf
from syndicate.partners.sequence import DELIVER, backfill
from syndicate.partners.spec import PartnerCreate, PartnerFields, PartnerUpdate
from syndicate.partners.tables import DEAD, DELIVERED, PENDING, Delivery, Partner, PartnerKey, as_list
from syndicate.partners.webhook import new_secret
from syndicate.pipeline.outbox import Message, UnitOfWork
from syndicate.settings import Settings
from syndicate.storage.db import locked
from syndicate.storage.models import Article, OutboxMessage
from syndicate.storage.types import utcnow

DELIVERY_STATES = (PENDING, DELIVERED, DEAD)


def find(session: Session, ref: str | int, *, lock: bool = False) -> Partner:
    """A partner by id or name."""
    query = select(Partner)
    if isinstance(ref, int) or str(ref).isdigit():
        query = query.where(Partner.id == int(ref))
    else:
        query = query.where(Partner.name == ref)
    partner = session.scalar(locked(query) if lock else query)
    if partner is None:
        raise NotFound(f"no partner {ref!r}")
    return partner


def _apply(partner: Partner, fields: PartnerFields, settings: Settings) -> str | None:
    """Copy validated fields onto the row; returns a new webhook secret if one was made."""
    changes = fields.changes()
    changes.pop("backfill", None)  # an action at creation, not a property
    url = changes.pop("webhook_url", None)
    for name, value in changes.items():
        setattr(partner, name, value)
    if url is not None:
        partner.webhook_url = url or None
    formats = as_list(partner.formats) or ["ninjs"]
    partner.formats = formats
    if "push_format" not in changes and partner.push_format not in formats:
        partner.push_format = formats[0]
    if partner.push_format not in formats:
        raise ValidationFailed([Problem("push_format", f"{partner.push_format!r} is not among the formats {formats}")])
    if partner.webhook_url:
        ssrf.check(partner.webhook_url, allow_private=partner.allow_private_webhook or settings.allow_private_webhooks)
        if not partner.webhook_secret:
            partner.webhook_secret = new_secret()
            return partner.webhook_secret
    partner.updated_at = utcnow()
    return None


def create(uow: UnitOfWork, settings: Settings, spec: PartnerCreate) -> tuple[Partner, str | None, int]:
    """A new partner; returns it, its webhook secret (shown once) and how many items were backfilled."""
    session = uow.session
    if session.scalar(select(Partner.id).where(Partner.name == spec.name)) is not None:
        raise Conflict(f"a partner named {spec.name!r} already exists")
    partner = Partner(
        name=spec.name,
        contact="",
        active=True,
        languages=[],
        sections=[],
        formats=["ninjs"],
        pull=True,
        push_format="ninjs",
        allow_private_webhook=False,
        trusted_embargo=False,
        all_images=False,
        last_seq=0,
        circuit="closed",
        failures=0,
    )
    secret = _apply(partner, spec, settings)
    session.add(partner)
    session.flush()
    count = backfill(uow, partner.id, limit=spec.backfill) if spec.backfill else 0
    return partner, secret, count


def change(uow: UnitOfWork, settings: Settings, ref: str | int, spec: PartnerUpdate) -> tuple[Partner, str | None]:
    partner = find(uow.session, ref, lock=True)
    return partner, _apply(partner, spec, settings)


def rotate_secret(session: Session, ref: str | int) -> str:
    """A new webhook secret; pushes are signed with it from the next attempt on."""
    partner = find(session, ref, lock=True)
    if not partner.webhook_url:
        raise ValidationFailed([Problem("webhook_url", f"partner {partner.name!r} has no webhook")])
    partner.webhook_secret = new_secret()
    partner.updated_at = utcnow()
    return partner.webhook_secret


def deactivate(session: Session, ref: str | int) -> Partner:
    """Stop everything for a partner: no new items, its keys refused, pending pushes dropped."""
    partner = find(session, ref, lock=True)
    partner.active = False
    partner.updated_at = utcnow()
    return partner


def view(session: Session, partner: Partner, now: datetime | None = None) -> dict[str, Any]:
    """A partner as shown to operators (never its key hashes or webhook secret)."""
    now = now or utcnow()
    counts = dict(
        session.execute(
            select(Delivery.state, func.count()).where(Delivery.partner_id == partner.id).group_by(Delivery.state)
        ).all()
    )
    keys = session.scalar(
        select(func.count())
        .select_from(PartnerKey)
        .where(
            PartnerKey.partner_id == partner.id,
            PartnerKey.revoked_at.is_(None),
            (PartnerKey.expires_at.is_(None)) | (PartnerKey.expires_at > now),
        )
    )
    return {
        "id": partner.id,
        "name": partner.name,
        "contact": partner.contact,
        "active": partner.active,
        "languages": as_list(partner.languages),
        "sections": as_list(partner.sections),
        "formats": as_list(partner.formats),
        "pull": partner.pull,
        "webhook_url": partner.webhook_url,
        "push_format": partner.push_format,
        "allow_private_webhook": partner.allow_private_webhook,
        "trusted_embargo": partner.trusted_embargo,
        "all_images": partner.all_images,
        "last_seq": partner.last_seq,
        "circuit": retry.state(partner, now),
        "consecutive_failures": partner.failures,
        "paused_until": partner.circuit_until.isoformat() if partner.circuit_until else None,
        "deliveries": {state: int(counts.get(state, 0)) for state in DELIVERY_STATES},
        "active_keys": int(keys or 0),
        "created_at": partner.created_at.isoformat(),
    }


def listing(session: Session) -> list[dict[str, Any]]:
    return [view(session, p) for p in session.scalars(select(Partner).order_by(Partner.name))]


def delivery_view(delivery: Delivery, partner: Partner, article: Article | None) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "partner": partner.name,
        "article": article.newsroom_id if article else None,
        "version": delivery.version,
        "seq": delivery.seq,
        "webhook_id": delivery.webhook_id,
        "format": delivery.format,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at.isoformat() if delivery.state == PENDING else None,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "replays": delivery.replays,
        "created_at": delivery.created_at.isoformat(),
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
        "dead_at": delivery.dead_at.isoformat() if delivery.dead_at else None,
    }


def deliveries(
    session: Session, *, partner: str | int | None = None, state: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Deliveries, newest first, by partner and state."""
    if state is not None and state not in DELIVERY_STATES:
        raise ValidationFailed([Problem("state", f"expected one of {', '.join(DELIVERY_STATES)}")])
    query = select(Delivery, Partner, Article).join(Partner, Partner.id == Delivery.partner_id)
    query = query.outerjoin(Article, Article.id == Delivery.article_id)
    if partner is not None:
        query = query.where(Delivery.partner_id == find(session, partner).id)
    if state is not None:
        query = query.where(Delivery.state == state)
    rows = session.execute(query.order_by(Delivery.id.desc()).limit(max(1, min(limit, 1000))))
    return [delivery_view(d, p, a) for d, p, a in rows]


def replay(uow: UnitOfWork, *, ids: list[int] | None = None, partner: str | int | None = None) -> list[dict[str, Any]]:
    """Send dead deliveries again (same ``webhook-id``), oldest version first.

    A dead version is not replayed once a later version of the same story has
    been delivered to that partner, nor while one is in flight (an attempt
    holds its lease): it would arrive after it (out of order). A later
    version that is only waiting lets the replayed one go first.
    """
    session, now = uow.session, utcnow()
    query = select(Delivery).where(Delivery.state == DEAD)
    if ids is not None:
        query = query.where(Delivery.id.in_(ids))
    if partner is not None:
        query = query.where(Delivery.partner_id == find(session, partner).id)
    query = query.order_by(Delivery.partner_id, Delivery.article_id, Delivery.version)
    rows = list(session.scalars(locked(query)))
    if ids is not None and len(rows) < len(set(ids)):
        missing = sorted(set(ids) - {d.id for d in rows})
        raise Conflict(f"not dead-lettered (or unknown): {', '.join(map(str, missing))}")
    out = []
    for delivery in rows:
        later = session.scalar(
            select(Delivery.version).where(
                Delivery.partner_id == delivery.partner_id,
                Delivery.article_id == delivery.article_id,
                Delivery.version > delivery.version,
                Delivery.state == DELIVERED,
            )
        )
        if later is not None:
            out.append({"id": delivery.id, "replayed": False, "reason": f"version {later} was delivered since"})
            continue
        flying = _in_flight_after(session, delivery, now)
        if flying is not None:
            out.append({"id": delivery.id, "replayed": False, "reason": f"version {flying} is being delivered"})
            continue
        delivery.state, delivery.attempts, delivery.dead_at = PENDING, 0, None
        delivery.next_attempt_at, delivery.lease_until = now, None
        delivery.replays += 1
        uow.owe(DELIVER, delivery.id, due_in=0)
        if Message(DELIVER, delivery.id) not in uow.messages:
            uow.messages.append(Message(DELIVER, delivery.id))  # its outbox row was still owed
        out.append({"id": delivery.id, "replayed": True, "reason": ""})
    return out


def _in_flight_after(session: Session, delivery: Delivery, now: datetime) -> int | None:
    """A later version of the story being posted to the partner right now, if any.

    The later pending rows are locked: a claim either took its lease before
    (seen here) or waits for this transaction and then finds the replayed
    version pending before it, and lets it go first.
    """
    query = select(Delivery).where(
        Delivery.partner_id == delivery.partner_id,
        Delivery.article_id == delivery.article_id,
        Delivery.version > delivery.version,
        Delivery.state == PENDING,
    )
    for later in session.scalars(locked(query.order_by(Delivery.id))):
        if later.lease_until is not None and later.lease_until > now:
            return later.version
    return None


def resume(uow: UnitOfWork, ref: str | int, *, dispatch_limit: int = 200) -> Partner:
    """Close a partner's circuit by hand; its waiting deliveries become due now."""
    session, now = uow.session, utcnow()
    partner = find(session, ref)
    # Deliveries before the partner row: the order the deliver step locks them in (no deadlock).
    waiting = list(
        session.scalars(
            select(Delivery.id)
            .where(Delivery.partner_id == partner.id, Delivery.state == PENDING, Delivery.next_attempt_at > now)
            .order_by(Delivery.id)
        )
    )
    if waiting:
        session.execute(update(Delivery).where(Delivery.id.in_(waiting)).values(next_attempt_at=now))
        keys = [Message(DELIVER, i).key for i in waiting]
        owed = update(OutboxMessage).where(OutboxMessage.key.in_(keys), OutboxMessage.status == "pending")
        session.execute(owed.values(due_at=now))
        # The first ones go now; the sweeper sends the rest (they are all due).
        uow.messages.extend(Message(DELIVER, i) for i in waiting[:dispatch_limit])
    partner = find(session, partner.id, lock=True)
    retry.record_success(partner)
    return partner
