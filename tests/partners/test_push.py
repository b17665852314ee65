"""Signed push to a real endpoint on 127.0.0.1: happy path, flapping, dead letters, refusals, circuit breaker."""

from __future__ import annotations

import json

from sqlalchemy import select

from syndicate.partners.tables import DeliveryAttempt, Partner
from syndicate.settings import Settings
from syndicate.storage.db import Database
from tests.helpers import article, assert_valid_newsml, assert_valid_ninjs
from tests.partners.endpoint import Answer, PartnerEndpoint
from tests.partners.support import add_partner, deliveries, publish, sweep_until, terminal


def push_partner(db: Database, settings: Settings, endpoint: PartnerEndpoint, name: str = "p1", **fields: object):
    _, secret = add_partner(
        db, settings, name, webhook_url=endpoint.url, allow_private_webhook=True, pull=False, **fields
    )
    assert secret and secret.startswith("whsec_")
    endpoint.secret = secret
    return secret


def test_happy_path_signed_and_valid(
    db: Database, settings: Settings, endpoint: PartnerEndpoint, every_payload_is_valid: list[tuple[str, str]]
) -> None:
    push_partner(db, settings, endpoint, formats=["ninjs", "newsml"])
    publish(db, settings, article(id="h-1"))
    # stored ninjs and NewsML-G2, then the partner's ninjs: all checked against the schemas at teardown
    assert [fmt for fmt, _ in every_payload_is_valid] == ["ninjs", "newsml", "ninjs"]
    [delivery] = deliveries(db)
    assert delivery.state == "delivered" and delivery.attempts == 1
    [receipt] = endpoint.receipts
    assert receipt.verified, "the standardwebhooks library must accept our signature"
    assert receipt.webhook_id == delivery.webhook_id and receipt.webhook_id.startswith("msg_")
    assert receipt.content_type.startswith("application/json")
    item = assert_valid_ninjs(json.loads(receipt.body))
    assert item["altids"][-1] == {"role": "sequence", "value": "1"}
    # the agency photo (partner_redistribution false) never reaches the partner
    assert not [a for a in item.get("associations", []) if a.get("type") == "picture"]
    assert item["pubstatus"] == "usable" and item["version"] == "1"


def test_newsml_push(db: Database, settings: Settings, endpoint: PartnerEndpoint) -> None:
    push_partner(db, settings, endpoint, formats=["newsml"])
    publish(db, settings, article(id="g-1"))
    [receipt] = endpoint.receipts
    assert receipt.verified and receipt.content_type.startswith("application/vnd.iptc.g2.newsmessage+xml")
    tree = assert_valid_newsml(receipt.body)
    ns = {"g": "http://iptc.org/std/nar/2006-10-01/"}
    assert tree.findtext("g:header/g:transmitId", namespaces=ns) == "1"


def test_flapping_endpoint_is_delivered_exactly_once(
    db: Database, settings: Settings, endpoint: PartnerEndpoint
) -> None:
    push_partner(db, settings, endpoint)
    endpoint.answer(500, 500, 200)
    publish(db, settings, article(id="f-1"))
    sweep_until(db, settings, terminal(db))
    [delivery] = deliveries(db)
    assert delivery.state == "delivered" and delivery.attempts == 3
    assert [r.status for r in endpoint.receipts] == [500, 500, 200]
    assert len({r.webhook_id for r in endpoint.receipts}) == 1, "webhook-id must be stable across retries"
    assert len({r.body for r in endpoint.receipts}) == 1, "every retry sends the same bytes"
    assert all(r.verified for r in endpoint.receipts)
    assert len(endpoint.processed) == 1, "the partner processed the item exactly once"
    with db.read() as session:
        attempts = session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.number)).all()
    assert [(a.number, a.status_code, a.outcome) for a in attempts] == [
        (1, 500, "retry"),
        (2, 500, "retry"),
        (3, 200, "delivered"),
    ]


def test_dead_endpoint_is_dead_lettered_then_replayed(
    db: Database, settings: Settings, endpoint: PartnerEndpoint
) -> None:
    from syndicate.partners import service
    from syndicate.pipeline.outbox import unit_of_work
    from syndicate.pipeline.run import InlineDispatcher

    push_partner(db, settings, endpoint)
    endpoint.default = Answer(503, process=False)
    publish(db, settings, article(id="d-1"))
    sweep_until(db, settings, terminal(db))
    [dead] = deliveries(db)
    assert dead.state == "dead" and dead.attempts == settings.push_max_attempts
    assert "503" in (dead.last_error or "")
    assert len(endpoint.receipts) == settings.push_max_attempts and not endpoint.processed

    endpoint.default = Answer(200)
    with unit_of_work(db, InlineDispatcher(db, settings), settings.step_deadline_seconds) as uow:
        result = service.replay(uow, ids=[dead.id])
    assert result == [{"id": dead.id, "replayed": True, "reason": ""}]
    [done] = deliveries(db)
    assert done.state == "delivered" and done.replays == 1
    assert endpoint.receipts[-1].webhook_id == dead.webhook_id, "a replay is the same message"
    assert len(endpoint.processed) == 1


def test_other_4xx_is_permanent(db: Database, settings: Settings, endpoint: PartnerEndpoint) -> None:
    push_partner(db, settings, endpoint)
    endpoint.answer(410)
    publish(db, settings, article(id="g-410"))
    [delivery] = deliveries(db)
    assert delivery.state == "dead" and delivery.attempts == 1 and delivery.last_status == 410
    assert len(endpoint.receipts) == 1


def test_429_honours_retry_after(db: Database, settings: Settings, endpoint: PartnerEndpoint) -> None:
    push_partner(db, settings, endpoint)
    endpoint.answer(Answer(429, headers={"Retry-After": "1"}))
    publish(db, settings, article(id="r-429"))
    [waiting] = deliveries(db)
    assert waiting.state == "pending" and waiting.attempts == 1 and waiting.last_status == 429
    with db.read() as session:
        [attempt] = session.scalars(select(DeliveryAttempt)).all()
    # the backoff in these tests is 0.01-0.05 s: only Retry-After explains a whole second
    assert (waiting.next_attempt_at - attempt.at).total_seconds() >= 1.0
    sweep_until(db, settings, terminal(db))
    assert deliveries(db)[0].state == "delivered"


def test_time_out_is_retried(db: Database, settings: Settings, endpoint: PartnerEndpoint, monkeypatch) -> None:
    from syndicate.settings import get_settings, reset_settings

    monkeypatch.setenv("SYNDICATE_PUSH_TIMEOUT_SECONDS", "0.3")
    reset_settings()
    settings = get_settings()
    push_partner(db, settings, endpoint)
    endpoint.answer(Answer(200, delay=1.5))
    publish(db, settings, article(id="t-1"))
    first = deliveries(db)[0]
    assert first.state == "pending" and "time-out" in (first.last_error or "")
    sweep_until(db, settings, terminal(db))
    assert deliveries(db)[0].state == "delivered" and len(endpoint.processed) == 1


def test_redirects_are_not_followed(db: Database, settings: Settings, endpoint: PartnerEndpoint) -> None:
    push_partner(db, settings, endpoint)
    endpoint.answer(Answer(307, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    publish(db, settings, article(id="redir-1"))
    [delivery] = deliveries(db)
    assert delivery.state == "dead" and "redirect not followed" in (delivery.last_error or "")
    assert len(endpoint.receipts) == 1


def test_failing_partner_is_paused_and_resumed(
    db: Database, settings: Settings, endpoint: PartnerEndpoint, monkeypatch
) -> None:
    from syndicate.partners import service
    from syndicate.pipeline.outbox import unit_of_work
    from syndicate.pipeline.run import InlineDispatcher
    from syndicate.settings import get_settings, reset_settings

    monkeypatch.setenv("SYNDICATE_PUSH_CIRCUIT_THRESHOLD", "2")
    monkeypatch.setenv("SYNDICATE_PUSH_CIRCUIT_COOLDOWN_SECONDS", "3600")
    monkeypatch.setenv("SYNDICATE_PUSH_MAX_ATTEMPTS", "10")
    reset_settings()
    settings = get_settings()
    push_partner(db, settings, endpoint)
    endpoint.default = Answer(500)
    publish(db, settings, article(id="c-1"), article(id="c-2"))
    sweep_until(db, settings, lambda: sum(d.attempts for d in deliveries(db)) >= 2)
    with db.read() as session:
        view = service.view(session, service.find(session, "p1"))
    assert view["circuit"] == "open" and view["paused_until"] and view["consecutive_failures"] >= 2
    # While paused nothing is attempted, however often the sweeper runs.
    seen = len(endpoint.receipts)
    dispatcher = InlineDispatcher(db, settings)
    from syndicate.pipeline.sweeper import sweep

    for _ in range(5):
        sweep(db, dispatcher, settings)
    assert len(endpoint.receipts) == seen
    assert all(d.state == "pending" for d in deliveries(db))

    endpoint.default = Answer(200)
    with unit_of_work(db, dispatcher, settings.step_deadline_seconds) as uow:
        service.resume(uow, "p1")
    sweep_until(db, settings, terminal(db))
    assert [d.state for d in deliveries(db)] == ["delivered", "delivered"]
    with db.read() as session:
        partner = session.scalars(select(Partner)).one()
        assert partner.circuit == "closed" and partner.failures == 0


def versions(endpoint: PartnerEndpoint) -> list[tuple[int, int]]:
    return [(int(json.loads(r.body)["version"]), r.status) for r in endpoint.receipts]


def test_a_newer_version_waits_for_the_older_one(db: Database, settings: Settings, endpoint: PartnerEndpoint) -> None:
    push_partner(db, settings, endpoint)
    endpoint.answer(Answer(500, process=False))
    publish(db, settings, article(id="wait-1"))
    publish(db, settings, article(id="wait-1", version=2, headline="Second version"))
    first, second = deliveries(db)
    assert (first.state, second.state, second.attempts) == ("pending", "pending", 0), "v2 must not overtake v1"
    sweep_until(db, settings, terminal(db))
    assert versions(endpoint) == [(1, 500), (1, 200), (2, 200)]


def test_a_dead_version_is_not_replayed_after_a_newer_one(
    db: Database, settings: Settings, endpoint: PartnerEndpoint
) -> None:
    from syndicate.partners import service
    from syndicate.pipeline.outbox import unit_of_work
    from syndicate.pipeline.run import InlineDispatcher

    push_partner(db, settings, endpoint)
    endpoint.answer(Answer(413, process=False))
    publish(db, settings, article(id="old-1"))
    publish(db, settings, article(id="old-1", version=2, headline="Second version"))
    dead, delivered = deliveries(db)
    assert (dead.state, delivered.state) == ("dead", "delivered"), "a dead version lets the next one go"
    with unit_of_work(db, InlineDispatcher(db, settings), settings.step_deadline_seconds) as uow:
        result = service.replay(uow, partner="p1")
    assert result == [{"id": dead.id, "replayed": False, "reason": "version 2 was delivered since"}]
    assert versions(endpoint) == [(1, 413), (2, 200)]


def test_a_dead_version_is_not_replayed_while_a_newer_one_is_in_flight(
    db: Database, settings: Settings, endpoint: PartnerEndpoint
) -> None:
    from syndicate.partners import service
    from syndicate.pipeline.outbox import unit_of_work
    from syndicate.pipeline.run import InlineDispatcher

    replays: list[list[dict[str, object]]] = []

    def replay_now() -> None:
        # An operator replays the dead v1 while v2's request is still open.
        with unit_of_work(db, InlineDispatcher(db, settings), settings.step_deadline_seconds) as uow:
            replays.append(service.replay(uow, partner="p1"))

    push_partner(db, settings, endpoint)
    endpoint.answer(Answer(413, process=False), Answer(200, during=replay_now))
    publish(db, settings, article(id="fly-1"))
    [dead] = deliveries(db)
    assert dead.state == "dead"
    publish(db, settings, article(id="fly-1", version=2, headline="Second version"))
    assert replays == [[{"id": dead.id, "replayed": False, "reason": "version 2 is being delivered"}]]
    assert versions(endpoint) == [(1, 413), (2, 200)], "v1 must not reach the partner after v2"
    assert [d.state for d in deliveries(db)] == ["dead", "delivered"]
