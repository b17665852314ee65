"""WebSub publishing: tell the configured hubs that a feed document changed.

The ping is the de-facto publish request (``POST hub.mode=publish&hub.url=...``).
What each hub was told is kept per feed document as the ETag it acknowledged,
so a retry pings only the hubs and documents still owed, and a hub that is
down costs one failed request per run (its other documents wait for the
next run) and never holds up rendering or the other hubs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.feeds.spec import FORMATS
from syndicate.feeds.urls import feed_url
from syndicate.settings import Settings
from syndicate.storage.models import Feed, FeedDocument, HubNotice
from syndicate.storage.types import utcnow

log = logging.getLogger("syndicate.websub")


@dataclass(frozen=True)
class Ping:
    feed_id: int
    format: str
    hub: str
    topic: str  # the public URL of the document (hub.url)
    etag: str


@dataclass(frozen=True)
class Outcome:
    ping: Ping
    ok: bool
    error: str = ""


Sender = Callable[[str, str, float], None]


@dataclass(frozen=True)
class Plan:
    pings: list[Ping]  # to send now
    waiting: dict[int, datetime]  # feed id -> earliest retry of a hub still backing off


def owed(session: Session, settings: Settings, feed_ids: Sequence[int], now: datetime | None = None) -> Plan:
    """Pings not acknowledged yet: every hub × subscription document whose ETag the hub has not seen.

    A hub that failed recently is left out until its ``retry_after``.
    """
    now = now or utcnow()
    if not settings.websub_hubs or not feed_ids:
        return Plan([], {})
    rows = session.execute(
        select(Feed.id, Feed.key, FeedDocument.format, FeedDocument.etag)
        .join(FeedDocument, FeedDocument.feed_id == Feed.id)
        .where(Feed.id.in_(feed_ids), FeedDocument.page == 0)
        .order_by(Feed.id, FeedDocument.format)
    ).all()
    notices = {
        (n.feed_id, n.format, n.hub): n
        for n in session.scalars(select(HubNotice).where(HubNotice.feed_id.in_(feed_ids)))
    }
    out: list[Ping] = []
    waiting: dict[int, datetime] = {}
    for hub in settings.websub_hubs:
        for feed_id, key, fmt, etag in rows:
            notice = notices.get((feed_id, fmt, hub))
            if fmt not in FORMATS or (notice is not None and notice.etag == etag):
                continue
            if notice is not None and notice.retry_after is not None and notice.retry_after > now:
                waiting[feed_id] = min(waiting.get(feed_id, notice.retry_after), notice.retry_after)
                continue
            out.append(Ping(feed_id, fmt, hub, feed_url(settings, key, fmt), etag))
    return Plan(out, waiting)


def send_ping(hub: str, topic: str, timeout: float) -> None:
    """POST one publish notification; raises on a network error or a non-2xx answer."""
    response = requests.post(
        hub,
        data={"hub.mode": "publish", "hub.url": topic},
        timeout=timeout,
        allow_redirects=False,
    )
    if not 200 <= response.status_code < 300:
        raise requests.HTTPError(f"hub answered {response.status_code}", response=response)


def notify(pings: Sequence[Ping], timeout: float, sender: Sender | None = None) -> list[Outcome]:
    """Send the pings; after a hub's first failure its remaining pings wait for the next run."""
    sender = sender or send_ping
    down: dict[str, str] = {}
    outcomes = []
    for ping in pings:
        if ping.hub in down:
            outcomes.append(Outcome(ping, False, down[ping.hub]))
            continue
        try:
            sender(ping.hub, ping.topic, timeout)
            outcomes.append(Outcome(ping, True))
        except (requests.RequestException, OSError) as exc:
            down[ping.hub] = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("websub hub failed", extra={"hub": ping.hub, "error": down[ping.hub]})
            outcomes.append(Outcome(ping, False, down[ping.hub]))
    return outcomes


def record(session: Session, settings: Settings, outcomes: Sequence[Outcome]) -> dict[int, datetime]:
    """Store what each hub acknowledged; returns feed id -> earliest retry, for feeds with pings still owed."""
    now = utcnow()
    failed: dict[int, datetime] = {}
    for out in outcomes:
        p = out.ping
        notice = session.scalar(
            select(HubNotice).where(
                HubNotice.feed_id == p.feed_id, HubNotice.format == p.format, HubNotice.hub == p.hub
            )
        )
        if notice is None:
            notice = HubNotice(feed_id=p.feed_id, format=p.format, hub=p.hub, attempts=0)
            session.add(notice)
        if out.ok:
            notice.etag, notice.attempts, notice.last_error, notice.notified_at = p.etag, 0, None, now
            notice.retry_after = None
        else:
            notice.attempts = (notice.attempts or 0) + 1
            notice.last_error = out.error
            notice.retry_after = now + timedelta(seconds=retry_delay(settings, notice.attempts))
            failed[p.feed_id] = min(failed.get(p.feed_id, notice.retry_after), notice.retry_after)
    session.flush()
    return failed


def retry_delay(settings: Settings, attempts: int) -> float:
    """Doubling delay before the next try of a failed hub, capped at a day."""
    return float(min(settings.websub_retry_seconds * 2 ** max(attempts - 1, 0), 86400.0))
