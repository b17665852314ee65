"""Per-partner sequences: each new version a partner may see gets the partner's next number.

Numbers are allocated by bumping ``partners.last_seq`` in the transaction that
inserts the item, under that row's lock. A second transaction allocating for
the same partner waits for the first to commit (or roll back, taking its
number with it), so items become visible in sequence order: a reader that
sees number n has already been able to see every number below it. That is
what lets the pull cursor be a plain number, with no gaps and no repeats.

Fan-out runs in the transaction of the ``payload`` step (a new version) and of
the sweeper's embargo release, and owes one ``deliver`` step per push.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from syndicate.partners.entitlement import kind_of, offered
from syndicate.partners.tables import PENDING, Delivery, Partner, PartnerItem, as_list
from syndicate.pipeline.outbox import UnitOfWork
from syndicate.settings import Settings
from syndicate.storage.db import locked
from syndicate.storage.models import Article, ArticleVersion
from syndicate.storage.types import utcnow

DELIVER = "deliver"


def lock_partners(session: Session, ids: Sequence[int] | None = None) -> list[Partner]:
    """Active partners, locked in id order (one order everywhere: no deadlocks between fan-outs)."""
    query = locked(select(Partner).where(Partner.active.is_(True)).order_by(Partner.id))
    if ids is not None:
        query = query.where(Partner.id.in_(list(ids)))
    return list(session.scalars(query))


def allocate(session: Session, partner_id: int) -> int:
    """The partner's next sequence number (the caller holds the partner row's lock)."""
    bump = update(Partner).where(Partner.id == partner_id).values(last_seq=Partner.last_seq + 1)
    return int(session.execute(bump.returning(Partner.last_seq)).scalar_one())


def newest_version(session: Session, partner_id: int, article_id: int) -> int | None:
    """The newest version of the article already in the partner's sequence."""
    return session.scalar(
        select(func.max(PartnerItem.version)).where(
            PartnerItem.partner_id == partner_id, PartnerItem.article_id == article_id
        )
    )


def enqueue(
    uow: UnitOfWork,
    partner: Partner,
    article: Article,
    version: ArticleVersion,
    *,
    received: bool,
    now: datetime,
) -> PartnerItem | None:
    """Append ``version`` to the partner's sequence (and owe its push); None if it has it or newer.

    An older version arriving after a newer one is never appended: the sequence and
    the pushes of one story keep version order.
    """
    session = uow.session
    newest = newest_version(session, partner.id, article.id)
    if newest is not None and newest >= version.version:
        return None
    item = PartnerItem(
        partner_id=partner.id,
        seq=allocate(session, partner.id),
        article_id=article.id,
        version_id=version.id,
        version=version.version,
        language=article.language,
        section=str(version.document.get("section") or article.section),
        kind=str(kind_of(version, received=received)),
        created_at=now,
    )
    session.add(item)
    session.flush()
    if partner.webhook_url:
        delivery = Delivery(
            partner_id=partner.id,
            item_id=item.id,
            article_id=article.id,
            version=version.version,
            seq=item.seq,
            webhook_id=f"msg_{uuid.uuid4().hex}",
            format=partner.push_format,
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        session.flush()
        uow.owe(DELIVER, delivery.id)
    return item


def fan_out(uow: UnitOfWork, article: Article, version: ArticleVersion, *, now: datetime | None = None) -> int:
    """Put a new version into the sequence of every partner it is offered to; returns how many."""
    now = now or utcnow()
    session = uow.session
    partners = lock_partners(session)
    if not partners:
        return 0
    received = set(
        session.scalars(select(PartnerItem.partner_id).where(PartnerItem.article_id == article.id).distinct())
    )
    count = 0
    for partner in partners:
        had = partner.id in received
        if offered(partner, article, version, received=had):
            count += enqueue(uow, partner, article, version, received=had, now=now) is not None
    return count


def on_payload(uow: UnitOfWork, settings: Settings, version: ArticleVersion) -> None:
    """``hooks.PAYLOAD_BUILT``: a version's payloads exist; offer it to partners."""
    fan_out(uow, version.article, version)


def on_release(uow: UnitOfWork, settings: Settings, article: Article, version: ArticleVersion) -> None:
    """``hooks.RELEASED``: an embargo lifted; partners that waited for it get the current version.

    A version not processed yet is left to its own ``payload`` step, which fans it out.
    """
    if version.processed_at is not None:
        fan_out(uow, article, version)


def backfill(uow: UnitOfWork, partner_id: int, *, limit: int, now: datetime | None = None) -> int:
    """Give a (newly subscribed) partner the current version of its newest ``limit`` stories.

    Only current versions: a partner that subscribes late starts from how
    stories stand now, not from their history.
    """
    now = now or utcnow()
    session = uow.session
    partners = lock_partners(session, [partner_id])
    if not partners or limit <= 0:
        return 0
    partner = partners[0]
    query = select(Article).where(Article.withdrawn.is_(False), Article.language.in_(as_list(partner.languages)))
    if as_list(partner.sections):
        query = query.where(Article.section.in_(as_list(partner.sections)))
    if partner.trusted_embargo:
        query = query.where(or_(Article.released.is_(True), Article.embargo_until.is_not(None)))
    else:
        query = query.where(Article.released.is_(True))
    chosen = list(session.scalars(query.order_by(Article.published_at.desc(), Article.id.desc()).limit(limit)))
    count = 0
    for article in reversed(chosen):  # oldest first, so the sequence follows publication order
        version = session.scalar(
            select(ArticleVersion).where(
                ArticleVersion.article_id == article.id, ArticleVersion.version == article.current_version
            )
        )
        if version is None or version.processed_at is None:
            continue
        count += enqueue(uow, partner, article, version, received=False, now=now) is not None
    return count
