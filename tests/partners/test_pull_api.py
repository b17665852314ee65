"""The pull API: keys (401), entitlement (403 without leaking), rate limit (429), formats, ETags, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from syndicate.api.app import create_app
from syndicate.partners import keys, service
from syndicate.partners.tables import PartnerAccess, PartnerKey
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database
from tests.helpers import article, assert_valid_newsml, assert_valid_ninjs
from tests.partners.support import add_partner, issue_key, publish

FUTURE = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)


def prefix_of(key: str) -> str:
    return "_".join(key.split("_", 2)[:2])


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def test_keys_401(db: Database, settings: Settings, client: TestClient) -> None:
    add_partner(db, settings, "alpha")
    good = issue_key(db, "alpha")
    assert client.get("/v1/partner/items", headers=bearer(good)).status_code == 200
    for headers in ({}, bearer("nope"), bearer("cnp_000000000000_forged"), bearer(good + "x")):
        answer = client.get("/v1/partner/items", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    # a staff token is known but is not a partner
    assert client.get("/v1/partner/items", headers={"Authorization": "Bearer admin-secret"}).status_code == 403

    revoked = issue_key(db, "alpha", label="old")
    expired = issue_key(db, "alpha", expires_at=datetime.now(UTC) + timedelta(hours=1))
    with db.transaction() as session:
        keys.revoke(session, service.find(session, "alpha"), prefix_of(revoked))
        past = datetime.now(UTC) - timedelta(days=1)
        session.execute(update(PartnerKey).where(PartnerKey.prefix == prefix_of(expired)).values(expires_at=past))
    assert client.get("/v1/partner/items", headers=bearer(revoked)).status_code == 401
    assert client.get("/v1/partner/items", headers=bearer(expired)).status_code == 401
    assert client.get("/v1/partner/items", headers=bearer(good)).status_code == 200  # rotation: others still work
    with db.transaction() as session:
        service.deactivate(session, "alpha")
    assert client.get("/v1/partner/items", headers=bearer(good)).status_code == 401
    with db.read() as session:
        stored = session.scalars(select(PartnerKey.digest)).all()
    assert good not in stored and all(len(d) == 64 for d in stored), "only SHA-256 digests are stored"


def test_partner_sees_only_its_languages_sections_and_released_items(
    db: Database, settings: Settings, client: TestClient
) -> None:
    add_partner(db, settings, "alpha", languages=["en"], sections=["kurdistan"])
    add_partner(db, settings, "beta", languages=["ckb"])
    key = issue_key(db, "alpha")
    publish(
        db,
        settings,
        article(id="en-k"),
        article(id="en-p", section="politics"),
        article(id="ckb-k", language="ckb", headline="هەواڵ", body_html="<p>دەق</p>"),
        article(id="en-emb", embargo_until=FUTURE.isoformat()),
    )
    page = client.get("/v1/partner/items", headers=bearer(key)).json()
    assert [(i["seq"], i["id"]) for i in page["items"]] == [(1, "en-k")]
    payload = assert_valid_ninjs(page["items"][0]["payload"])
    pictures = [a for a in payload.get("associations", []) if a.get("type") == "picture"]
    assert pictures == [], "an agency photo without partner redistribution rights is dropped"

    refused = {}
    for item_id in ("ckb-k", "en-p", "en-emb", "no-such-item"):
        answer = client.get(f"/v1/partner/items/{item_id}", headers=bearer(key))
        assert answer.status_code == 403, item_id
        refused[item_id] = answer.json()
    assert len({str(v) for v in refused.values()}) == 1, "refusals must not reveal whether an item exists"

    # The embargo lifts: the item joins the sequence then, not before.
    from syndicate.pipeline.run import InlineDispatcher
    from syndicate.pipeline.sweeper import sweep

    sweep(db, InlineDispatcher(db, settings), settings, now=FUTURE + timedelta(minutes=1))
    page = client.get("/v1/partner/items", params={"since": page["next"]}, headers=bearer(key)).json()
    assert [(i["seq"], i["id"]) for i in page["items"]] == [(2, "en-emb")]
    assert "embargoed" not in page["items"][0]["payload"], "only trusted partners see the embargo"
    assert client.get("/v1/partner/items/en-emb", headers=bearer(key)).status_code == 200


def test_items_filter_by_language_and_section_and_page_with_the_filter(
    db: Database, settings: Settings, client: TestClient
) -> None:
    add_partner(db, settings, "multi", languages=["en", "ckb"])
    key = bearer(issue_key(db, "multi"))
    publish(
        db,
        settings,
        article(id="f-en"),
        article(id="f-pol", section="politics"),
        article(id="f-ckb", language="ckb", headline="هەواڵ", body_html="<p>دەق</p>"),
        article(id="f-ar", language="ar", headline="خبر", body_html="<p>نص</p>"),
        article(id="f-pol2", section="politics", headline="Second politics story"),
    )

    def page(**params: object) -> tuple[list[tuple[int, str]], str]:
        answer = client.get("/v1/partner/items", params=params, headers=key).json()
        return [(i["seq"], i["id"]) for i in answer["items"]], answer["next"]

    assert page() == ([(1, "f-en"), (2, "f-pol"), (3, "f-ckb"), (4, "f-pol2")], "4")
    assert page(language="ckb") == ([(3, "f-ckb")], "3")
    assert page(section="politics") == ([(2, "f-pol"), (4, "f-pol2")], "4")
    assert page(language="en", section="kurdistan") == ([(1, "f-en")], "1")
    assert page(language="ar") == ([], "0"), "a language outside the subscription shows nothing"
    assert page(language="ckb", section="politics") == ([], "0")
    # Paging with a filter: the cursor passes what the filter leaves out and never skips a match.
    first, cursor = page(section="politics", limit=1)
    assert (first, cursor) == ([(2, "f-pol")], "2")
    assert page(section="politics", since=cursor) == ([(4, "f-pol2")], "4")
    assert page(section="politics", since="4") == ([], "4")


def test_trusted_partner_gets_embargoed_items_with_the_embargo(
    db: Database, settings: Settings, client: TestClient
) -> None:
    add_partner(db, settings, "trusted", trusted_embargo=True, all_images=True)
    key = issue_key(db, "trusted")
    publish(db, settings, article(id="emb-1", embargo_until=FUTURE.isoformat()))
    [entry] = client.get("/v1/partner/items", headers=bearer(key)).json()["items"]
    payload = assert_valid_ninjs(entry["payload"])
    assert payload["embargoed"] == FUTURE.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [a["type"] for a in payload["associations"]] == ["picture"], "licensed for agency photos"


AGENCY = "https://media.chira.example/erbil.jpg"
OWN = "https://media.chira.example/map.png"
FIGURES = (
    f'<p>Text.</p><figure><img src="{AGENCY}" alt="The plant"><figcaption>Rebaz Omar/AFP</figcaption></figure>'
    f'<p>The route: <img src="{OWN}" alt="Map"> as planned.</p>'
)


def test_images_in_the_body_follow_the_partners_image_rights(
    db: Database, settings: Settings, client: TestClient
) -> None:
    add_partner(db, settings, "alpha", formats=["ninjs", "newsml"])
    add_partner(db, settings, "licensed", all_images=True)
    doc = article(id="img-1", body_html=FIGURES)
    doc["media"].append({"url": OWN, "caption": "The route", "credit": "Chira", "partner_redistribution": True})
    publish(db, settings, doc)

    alpha = bearer(issue_key(db, "alpha"))
    item = assert_valid_ninjs(client.get("/v1/partner/items/img-1", headers=alpha).json())
    body = item["bodies"][0]["value"]
    assert AGENCY not in body and "Rebaz Omar/AFP" not in body and "<figure" not in body
    assert OWN in body and "Text." in body and "as planned." in body
    assert [a["renditions"][0]["href"] for a in item["associations"] if a["type"] == "picture"] == [OWN]
    g2 = client.get("/v1/partner/items/img-1", params={"format": "newsml"}, headers=alpha)
    xhtml = assert_valid_newsml(g2.content).find(".//{http://www.w3.org/1999/xhtml}body")
    assert [i.get("src") for i in xhtml.iter("{*}img")] == [OWN]
    assert "Rebaz Omar/AFP" not in "".join(xhtml.itertext())

    licensed = bearer(issue_key(db, "licensed"))
    body = client.get("/v1/partner/items/img-1", headers=licensed).json()["bodies"][0]["value"]
    assert AGENCY in body and "Rebaz Omar/AFP" in body and OWN in body


def test_formats_etags_and_versions(db: Database, settings: Settings, client: TestClient) -> None:
    add_partner(db, settings, "alpha", formats=["ninjs", "newsml"])
    add_partner(db, settings, "json-only", formats=["ninjs"])
    key, other = issue_key(db, "alpha"), issue_key(db, "json-only")
    publish(db, settings, article(id="v-1"))
    publish(db, settings, article(id="v-1", version=2, status="corrected", correction_note="Fixed the figure."))

    latest = client.get("/v1/partner/items/v-1", headers=bearer(key))
    assert latest.status_code == 200 and latest.headers["content-type"].startswith("application/json")
    item = assert_valid_ninjs(latest.json())
    assert item["version"] == "2" and "Fixed the figure." in item["ednote"]
    etag = latest.headers["ETag"]
    again = client.get("/v1/partner/items/v-1", headers={**bearer(key), "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag

    first = client.get("/v1/partner/items/v-1", params={"version": 1}, headers=bearer(key))
    assert assert_valid_ninjs(first.json())["version"] == "1" and first.headers["ETag"] != etag
    assert client.get("/v1/partner/items/v-1", params={"version": 7}, headers=bearer(key)).status_code == 404

    accept = {**bearer(key), "Accept": "application/vnd.iptc.g2.newsmessage+xml"}
    g2 = client.get("/v1/partner/items/v-1", headers=accept)
    assert g2.headers["content-type"].startswith("application/vnd.iptc.g2.newsmessage+xml")
    tree = assert_valid_newsml(g2.content)
    ns = {"g": "http://iptc.org/std/nar/2006-10-01/"}
    assert tree.find(".//g:itemMeta/g:signal", ns).get("qcode") == "sig:correction"
    by_query = client.get("/v1/partner/items/v-1", params={"format": "newsml"}, headers=bearer(key))
    assert by_query.content == g2.content

    refused = client.get("/v1/partner/items/v-1", params={"format": "newsml"}, headers=bearer(other))
    assert refused.status_code == 406
    listed = client.get("/v1/partner/items", params={"format": "newsml"}, headers=bearer(key)).json()
    for entry in listed["items"]:
        assert_valid_newsml(entry["payload"])


def test_rate_limit_429(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNDICATE_PARTNER_RATE_LIMIT", "3")
    reset_settings()
    client = TestClient(create_app(get_settings()))
    add_partner(db, settings, "alpha")
    add_partner(db, settings, "beta")
    key, other = issue_key(db, "alpha"), issue_key(db, "beta")
    statuses = [client.get("/v1/partner/items", headers=bearer(key)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    over = client.get("/v1/partner/items", headers=bearer(key))
    assert over.status_code == 429 and int(over.headers["Retry-After"]) >= 1
    assert client.get("/v1/partner/items", headers=bearer(other)).status_code == 200, "limits are per partner"


def test_rate_limit_is_shared_through_redis(
    db: Database, settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syndicate.api.ratelimit import RedisLimiter

    monkeypatch.setenv("SYNDICATE_PARTNER_RATE_LIMIT", "4")
    monkeypatch.setenv("SYNDICATE_REDIS_URL", redis_url)
    reset_settings()
    first, second = TestClient(create_app(get_settings())), TestClient(create_app(get_settings()))
    assert isinstance(first.app.state.partner_limiter, RedisLimiter)
    add_partner(db, settings, "alpha")
    key = issue_key(db, "alpha")
    statuses = [c.get("/v1/partner/items", headers=bearer(key)).status_code for c in (first, second) * 2]
    assert statuses == [200, 200, 200, 200]
    # two API processes, one budget
    assert second.get("/v1/partner/items", headers=bearer(key)).status_code == 429
    assert first.get("/v1/partner/items", headers=bearer(key)).status_code == 429


def test_every_access_is_audited(db: Database, settings: Settings, client: TestClient) -> None:
    partner_id, _ = add_partner(db, settings, "alpha")
    key = issue_key(db, "alpha")
    client.get("/v1/partner/items", headers=bearer(key))
    client.get("/v1/partner/items/nothing", headers=bearer(key))
    client.get("/v1/partner/items", headers=bearer("cnp_abcdef012345_wrong"))
    client.get("/v1/partner/items", params={"since": "x"}, headers=bearer(key))
    with db.read() as session:
        rows = session.scalars(select(PartnerAccess).order_by(PartnerAccess.id)).all()
    prefix = prefix_of(key)
    assert [(r.partner_id, r.key_prefix, r.status) for r in rows] == [
        (partner_id, prefix, 200),
        (partner_id, prefix, 403),
        (None, "cnp_abcdef012345", 401),
        (partner_id, prefix, 422),
    ]
    assert rows[1].path == "/v1/partner/items/nothing" and rows[3].path == "/v1/partner/items?since=x"
    assert all(r.remote for r in rows)
