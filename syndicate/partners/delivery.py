"""The ``deliver`` step: push one partner item to the partner's webhook, in order, with retries.

An attempt is three steps, and the HTTP call holds no database transaction
(a SQLite writer would block everyone for the length of a partner's time-out):

1. claim, in a short transaction: skip it if it is done, not due, in flight
   elsewhere (lease), paused by the partner's circuit breaker, if the partner
   is failing and another of its attempts is in flight (one probe at a time),
   or if an older version of the same story is still pending for this
   partner: version n+1 never overtakes n, whatever the number of workers.
   The first claim freezes the body.
2. POST, signed, with a time-out.
3. record, in a second short transaction: delivered, retry later (the next
   attempt time lives in the delivery row and the outbox row, where the
   sweeper finds it), or dead (a refusal, or the last attempt). A finished
   delivery hands over to the next pending version of the same story.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.orm import Session

from syndicate.logs import log_context
from syndicate.partners import retry, webhook
from syndicate.partners.render import render
from syndicate.partners.sequence import DELIVER
from syndicate.partners.tables import DEAD, DELIVERED, PENDING, Delivery, DeliveryAttempt, Partner, PartnerItem
from syndicate.pipeline.outbox import Message, UnitOfWork, complete
from syndicate.settings import Settings
from syndicate.storage.db import locked
from syndicate.storage.models import Article, ArticleVersion, OutboxMessage
from syndicate.storage.types import utcnow

log = logging.getLogger("syndicate.partners.delivery")
LEASE_MARGIN = timedelta(seconds=30)


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    partner_id: int
    url: str
    secret: str
    allow_private: bool
    body: str
    content_type: str
    webhook_id: str
    attempt: int
    # What the attempt is about, for its log lines.
    partner: str = ""
    article: str = ""
    version: int = 0
    language: str = ""


@contextmanager
def _transaction(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def _due(session: Session, delivery_id: int, when: datetime) -> None:
    """Move the delivery's outbox deadline: the sweeper sends it again then."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key == Message(DELIVER, delivery_id).key, OutboxMessage.status == "pending")
        .values(due_at=when)
    )


def _hand_over(session: Session, uow: UnitOfWork, delivery: Delivery, now: datetime) -> None:
    """A finished delivery lets the next pending version of the same story go."""
    successor = session.scalar(
        select(Delivery.id)
        .where(
            Delivery.partner_id == delivery.partner_id,
            Delivery.article_id == delivery.article_id,
            Delivery.version > delivery.version,
            Delivery.state == PENDING,
        )
        .order_by(Delivery.version)
        .limit(1)
    )
    if successor is not None:
        _due(session, successor, now)
        uow.messages.append(Message(DELIVER, successor))


def _finish(session: Session, uow: UnitOfWork, delivery: Delivery, state: str, now: datetime) -> None:
    delivery.state = state
    delivery.lease_until = None
    if state == DELIVERED:
        delivery.delivered_at = now
    else:
        delivery.dead_at = now
    complete(session, DELIVER, [delivery.id])
    _hand_over(session, uow, delivery, now)


def _probe_in_flight(
    session: Session, settings: Settings, partner: Partner, delivery: Delivery, now: datetime
) -> datetime | None:
    """A failing partner gets one attempt at a time: when to look again if it must wait, else None.

    Its other deliveries wait in the database instead of each holding a worker
    until its own time-out, so a hanging endpoint cannot take every worker of
    the ``deliver`` queue from the partners that answer; between two probes it
    rests (``push_backoff_seconds``, doubling per failure in a row). The
    partner row lock makes the check and the lease one step for concurrent claims.
    """
    current = session.scalar(locked(select(Partner).where(Partner.id == partner.id)))
    assert current is not None
    if not current.failures:
        return None  # it recovered meanwhile
    busy = session.scalar(
        select(func.max(Delivery.lease_until)).where(
            Delivery.partner_id == partner.id, Delivery.lease_until > now, Delivery.id != delivery.id
        )
    )
    # After a failed probe the partner rests (doubling with each failure in a row) before the next one.
    failed_at = session.scalar(
        select(func.max(DeliveryAttempt.at))
        .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
        .where(Delivery.partner_id == partner.id, DeliveryAttempt.outcome != DELIVERED)
    )
    rest = min(settings.push_backoff_max_seconds, settings.push_backoff_seconds * 2 ** (current.failures - 1))
    # An operator's replay is not held back by the rest (it still waits for an attempt in flight).
    replayed = delivery.replays > 0 and delivery.attempts == 0
    resting = failed_at is not None and failed_at + timedelta(seconds=rest) > now and not replayed
    if busy is None and not resting:
        return None
    # The probe's answer wakes the others early (see ``_wake``).
    wake = now + timedelta(seconds=rest)
    return max(busy, wake) if busy is not None else wake


def _wake(session: Session, uow: UnitOfWork, partner_id: int, now: datetime, limit: int = 50) -> None:
    """A failing partner answered again: the deliveries that waited for its probe are due now."""
    waiting = select(Delivery.id).where(
        Delivery.partner_id == partner_id,
        Delivery.state == PENDING,
        Delivery.next_attempt_at <= now,
        or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now),
    )
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.step == DELIVER,
            OutboxMessage.status == "pending",
            OutboxMessage.subject_id.in_(waiting.scalar_subquery()),
        )
        .values(due_at=now)
        .execution_options(synchronize_session=False)
    )
    # The first ones go out at once; the sweeper sends the rest (they are due now).
    for delivery_id in session.scalars(waiting.order_by(Delivery.seq).limit(limit)):
        uow.messages.append(Message(DELIVER, delivery_id))


def _claim(engine: Engine, uow: UnitOfWork, settings: Settings, delivery_id: int, now: datetime) -> Claim | None:
    with _transaction(engine) as session:
        delivery = session.scalar(locked(select(Delivery).where(Delivery.id == delivery_id)))
        if delivery is None or delivery.state != PENDING:
            complete(session, DELIVER, [delivery_id])
            return None
        partner = session.get(Partner, delivery.partner_id)
        assert partner is not None
        if not partner.active or not partner.webhook_url or not partner.webhook_secret:
            delivery.last_error = "partner deactivated or push switched off"
            _finish(session, uow, delivery, DEAD, now)
            return None
        if delivery.lease_until is not None and delivery.lease_until > now:
            return None  # an attempt is in flight elsewhere; its record step decides
        if delivery.next_attempt_at > now:
            _due(session, delivery.id, delivery.next_attempt_at)
            return None
        pause = retry.paused_until(partner, now)
        if pause is not None:
            delivery.next_attempt_at = pause
            _due(session, delivery.id, pause)
            return None
        if partner.failures:
            wait = _probe_in_flight(session, settings, partner, delivery, now)
            if wait is not None:
                _due(session, delivery.id, wait)
                return None
        earlier = session.scalar(
            select(Delivery)
            .where(
                Delivery.partner_id == delivery.partner_id,
                Delivery.article_id == delivery.article_id,
                Delivery.version < delivery.version,
                Delivery.state == PENDING,
            )
            .order_by(Delivery.version)
            .limit(1)
        )
        if earlier is not None:
            # The older version hands over when it finishes; this deadline is only a safety net.
            wake = max(earlier.next_attempt_at, now) + timedelta(seconds=settings.step_deadline_seconds)
            _due(session, delivery.id, wake)
            return None
        if delivery.body is None:
            item = session.get(PartnerItem, delivery.item_id)
            version = session.get(ArticleVersion, item.version_id) if item else None
            assert version is not None
            rendered = render(
                session, settings, partner, version, delivery.format, sequence=delivery.seq, sent=delivery.created_at
            )
            delivery.body, delivery.content_type = rendered.body, rendered.content_type
        delivery.attempts += 1
        article = session.get(Article, delivery.article_id)
        delivery.lease_until = now + timedelta(seconds=settings.push_timeout_seconds) + LEASE_MARGIN
        # If this worker dies mid-attempt, the sweeper re-sends once the lease has run out.
        _due(session, delivery.id, delivery.lease_until)
        return Claim(
            delivery_id=delivery.id,
            partner_id=partner.id,
            url=partner.webhook_url,
            secret=partner.webhook_secret,
            allow_private=partner.allow_private_webhook or settings.allow_private_webhooks,
            body=delivery.body,
            content_type=delivery.content_type or "application/json",
            webhook_id=delivery.webhook_id,
            attempt=delivery.attempts,
            partner=partner.name,
            article=article.newsroom_id if article else "",
            version=delivery.version,
            language=article.language if article else "",
        )


def _record(
    engine: Engine, uow: UnitOfWork, settings: Settings, claim: Claim, result: webhook.Result, now: datetime
) -> str:
    with _transaction(engine) as session:
        delivery = session.scalar(locked(select(Delivery).where(Delivery.id == claim.delivery_id)))
        partner = session.get(Partner, claim.partner_id)
        assert delivery is not None and partner is not None
        healthy = not partner.failures and partner.circuit == retry.CLOSED and partner.circuit_until is None
        if result.outcome != webhook.Outcome.delivered or not healthy:
            # The partner's counters change: under its row lock. A success for a healthy partner
            # changes nothing there, and every push of a busy partner would otherwise queue on that row.
            partner = session.scalar(locked(select(Partner).where(Partner.id == claim.partner_id)))
            assert partner is not None
        delivery.lease_until = None
        delivery.last_status, delivery.last_error = result.status, result.error
        if delivery.state != PENDING:
            outcome = "ignored"  # replayed or killed while in flight
        elif result.outcome == webhook.Outcome.delivered:
            outcome = DELIVERED
            recovered = bool(partner.failures)
            retry.record_success(partner)
            _finish(session, uow, delivery, DELIVERED, now)
            if recovered:
                _wake(session, uow, partner.id, now)
        else:
            opened = retry.record_failure(partner, settings, now)
            if opened:
                log.warning("partner paused after repeated failures", extra={"partner": partner.name})
            if result.outcome == webhook.Outcome.failed or delivery.attempts >= settings.push_max_attempts:
                outcome = DEAD
                _finish(session, uow, delivery, DEAD, now)
            else:
                outcome = "retry"
                delay = retry.retry_delay(delivery.attempts, result.retry_after, settings)
                delivery.next_attempt_at = now + timedelta(seconds=delay)
                _due(session, delivery.id, delivery.next_attempt_at)
        session.add(
            DeliveryAttempt(
                delivery_id=delivery.id,
                number=claim.attempt,
                at=now,
                status_code=result.status,
                outcome=outcome,
                error=result.error,
                duration_ms=result.duration_ms,
            )
        )
        return outcome


def deliver(uow: UnitOfWork, settings: Settings, delivery_ids: list[int]) -> None:
    """The ``deliver`` step (queue ``deliver``): one attempt for each due delivery.

    Works in its own short transactions on the step's engine; the step's own
    transaction stays empty and only carries the hand-over messages.
    """
    engine = uow.session.get_bind()
    assert isinstance(engine, Engine)
    for delivery_id in delivery_ids:
        claim = _claim(engine, uow, settings, delivery_id, utcnow())
        if claim is None:
            continue
        context = {"partner": claim.partner, "article": claim.article, "version": claim.version}
        with log_context(delivery=delivery_id, language=claim.language, **context):
            result = webhook.post(
                claim.url,
                claim.body,
                content_type=claim.content_type,
                secret=claim.secret,
                message_id=claim.webhook_id,
                timeout=settings.push_timeout_seconds,
                allow_private=claim.allow_private,
            )
            outcome = _record(engine, uow, settings, claim, result, utcnow())
            log.info(
                "push attempt",
                extra={"attempt": claim.attempt, "status": result.status, "outcome": outcome, "error": result.error},
            )
