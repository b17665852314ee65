"""Helpers for partner tests: publish through the real pipeline, add partners, drive retries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from syndicate.partners import keys, service
from syndicate.partners.spec import PartnerCreate
from syndicate.partners.tables import Delivery, Partner, PartnerItem
from syndicate.pipeline.outbox import unit_of_work
from syndicate.pipeline.run import InlineDispatcher
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.pipeline.sweeper import sweep
from syndicate.settings import Settings
from syndicate.storage.db import Database


def publish(db: Database, settings: Settings, *docs: dict[str, Any]) -> list[Any]:
    """Ingest documents and run every owed step here (process, payload, fan-out, deliver)."""
    dispatcher = InlineDispatcher(db, settings)
    sources = [Source(f"doc{i}", d, len(json.dumps(d, ensure_ascii=False).encode())) for i, d in enumerate(docs)]
    return ingest_sources(db, dispatcher, settings, sources)


def add_partner(db: Database, settings: Settings, name: str, **fields: Any) -> tuple[int, str | None]:
    """A partner; returns its id and webhook secret."""
    fields.setdefault("languages", ["en"])
    with unit_of_work(db, InlineDispatcher(db, settings), settings.step_deadline_seconds) as uow:
        partner, secret, _ = service.create(uow, settings, PartnerCreate(name=name, **fields))
        return partner.id, secret


def issue_key(db: Database, name: str, **kwargs: Any) -> str:
    with db.transaction() as session:
        return keys.issue(session, service.find(session, name), **kwargs).secret


def sweep_until(
    db: Database,
    settings: Settings,
    done: Callable[[], bool],
    *,
    now: datetime | None = None,
    rounds: int = 2000,
    pause: float = 0.01,
) -> None:
    """Run the sweeper (which re-sends due deliveries) until ``done()``; fails after ``rounds``."""
    dispatcher = InlineDispatcher(db, settings)
    for _ in range(rounds):
        if done():
            return
        sweep(db, dispatcher, settings, now=now)
        time.sleep(pause)
    raise AssertionError("condition not reached after sweeping")


def deliveries(db: Database, partner: str | None = None) -> list[Delivery]:
    with db.read() as session:
        query = select(Delivery).order_by(Delivery.id)
        if partner is not None:
            query = query.join(Partner, Partner.id == Delivery.partner_id).where(Partner.name == partner)
        return list(session.scalars(query))


def sequence(db: Database, partner: str) -> list[PartnerItem]:
    with db.read() as session:
        query = (
            select(PartnerItem)
            .join(Partner, Partner.id == PartnerItem.partner_id)
            .where(Partner.name == partner)
            .order_by(PartnerItem.seq)
        )
        return list(session.scalars(query))


def terminal(db: Database, partner: str | None = None) -> Callable[[], bool]:
    return lambda: all(d.state != "pending" for d in deliveries(db, partner))
