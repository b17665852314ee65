"""Partner isolation and credentials at rest.

A partner key reads that partner's sequence and the items it is entitled to,
nothing else: not another partner's items, deliveries or audit, not items
outside its subscriptions (the same answer as for an item that does not
exist). Keys are stored as digests only; neither keys nor webhook secrets
show up in any table column, operator view, access audit or log line.
"""

from __future__ import annotations

import hashlib
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import LargeBinary, String, Text, select

from syndicate.partners import keys
from syndicate.partners.tables import Delivery, Partner, PartnerItem
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Base
from tests.api.conftest import ADMIN, NEWSROOM
from tests.helpers import article
from tests.partners.endpoint import PartnerEndpoint
from tests.partners.support import add_partner, issue_key


@pytest.fixture
def two_partners(client: TestClient, db: Database, settings: Settings, endpoint: PartnerEndpoint) -> dict[str, str]:
    """``english`` (en, pushed to ``endpoint``) and ``sorani`` (ckb, kurdistan only); their keys."""
    _, secret = add_partner(
        db, settings, "english", languages=["en"], webhook_url=endpoint.url, allow_private_webhook=True
    )
    endpoint.secret = secret or ""
    add_partner(db, settings, "sorani", languages=["ckb"], sections=["kurdistan"])
    tokens = {"english": issue_key(db, "english"), "sorani": issue_key(db, "sorani")}
    docs = [
        article(id="en-1"),
        article(id="en-2", section="politics", canonical_url="https://chira.example/en/politics/2"),
        article(id="ckb-1", language="ckb", headline="هەواڵێکی کوردی", translation_of=None, tags=["هەولێر"]),
        article(id="ckb-2", language="ckb", headline="هەواڵێکی تر", section="world", tags=["هەولێر"]),
    ]
    for doc in docs:
        assert client.post("/v1/articles", json=doc, headers=NEWSROOM).status_code == 201
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_key_sees_its_own_sequence_and_nothing_else(
    client: TestClient, db: Database, two_partners: dict[str, str]
) -> None:
    for name, token in two_partners.items():
        page = client.get("/v1/partner/items?limit=100", headers=bearer(token)).json()
        with db.read() as session:
            partner = session.scalars(select(Partner).where(Partner.name == name)).one()
            own = [i.seq for i in session.scalars(select(PartnerItem).where(PartnerItem.partner_id == partner.id))]
        assert [item["seq"] for item in page["items"]] == sorted(own) and own
        # Parameters cannot widen the view: another partner's name, a far cursor, a filter for what it lacks.
        for query in ("partner=english&partner_id=1", "since=0&language=ckb&section=world", "since=999999"):
            other = client.get(f"/v1/partner/items?{query}", headers=bearer(token)).json()
            assert {i["id"] for i in other["items"]} <= {i["id"] for i in page["items"]}
    english = {
        i["id"] for i in client.get("/v1/partner/items", headers=bearer(two_partners["english"])).json()["items"]
    }
    sorani = {i["id"] for i in client.get("/v1/partner/items", headers=bearer(two_partners["sorani"])).json()["items"]}
    assert english == {"en-1", "en-2"} and sorani == {"ckb-1"}


def test_items_outside_the_entitlement_look_exactly_like_missing_ones(
    client: TestClient, two_partners: dict[str, str]
) -> None:
    token = two_partners["sorani"]
    outside = [client.get(f"/v1/partner/items/{i}", headers=bearer(token)) for i in ("en-1", "ckb-2", "no-such-item")]
    assert {a.status_code for a in outside} == {403}
    assert len({a.text for a in outside}) == 1, "the answer tells apart an existing item from a missing one"
    assert client.get("/v1/partner/items/ckb-1", headers=bearer(token)).status_code == 200


def test_a_partner_key_reaches_no_other_partners_data(
    client: TestClient, db: Database, two_partners: dict[str, str]
) -> None:
    token = bearer(two_partners["sorani"])
    with db.read() as session:
        assert session.scalars(select(Delivery)).all(), "the other partner has deliveries to protect"
    for path in (
        "/v1/admin/deliveries?partner=english",
        "/v1/admin/partners/english",
        "/v1/admin/partners/english/keys",
        "/v1/admin/partners/english/access",
        "/v1/admin/partners",
    ):
        assert client.get(path, headers=token).status_code == 403, path
    assert client.post("/v1/admin/deliveries/replay", json={"partner": "english"}, headers=token).status_code == 403


def test_revoked_expired_and_deactivated_keys_are_refused(
    client: TestClient, db: Database, two_partners: dict[str, str]
) -> None:
    token = two_partners["english"]
    prefix = keys.split(token)
    assert client.delete(f"/v1/admin/partners/english/keys/{prefix}", headers=ADMIN).status_code == 200
    assert client.get("/v1/partner/items", headers=bearer(token)).status_code == 401
    token = two_partners["sorani"]
    assert client.post("/v1/admin/partners/sorani/deactivate", headers=ADMIN).status_code == 200
    assert client.get("/v1/partner/items", headers=bearer(token)).status_code == 401
    # A forged key with a real prefix and a wrong secret.
    forged = f"{keys.split(issue_key(db, 'english'))}_{'A' * 43}"
    assert client.get("/v1/partner/items", headers=bearer(forged)).status_code == 401


def every_stored_text(db: Database) -> list[tuple[str, str]]:
    """(table.column, value) of every text and binary value in every table."""
    out = []
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if isinstance(c.type, (String, Text, LargeBinary)) or "JSON" in type(c.type).__name__
            ]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                        out.append((f"{table.name}.{column.name}", text))
    return out


def test_keys_are_stored_as_digests_only(
    client: TestClient, db: Database, settings: Settings, two_partners: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Use every key once (pull, refused pull), so the audit and the logs have had their chance.
    for token in two_partners.values():
        client.get("/v1/partner/items", headers=bearer(token))
        client.get("/v1/partner/items", headers=bearer(token + "x"))
    stored = every_stored_text(db)
    assert stored
    for token in two_partners.values():
        secret_part = token.split("_", 2)[2]
        found = [where for where, text in stored if token in text or secret_part in text]
        assert not found, f"a key in clear in {found}"
        assert any(
            where == "partner_keys.digest" and text == hashlib.sha256(token.encode()).hexdigest()
            for where, text in stored
        )
        assert token not in caplog.text and secret_part not in caplog.text
    staff = [t.get_secret_value() for t in settings.newsroom_tokens + settings.editor_tokens + settings.admin_tokens]
    assert not [w for w, text in stored for t in staff if t in text], "a staff token in the database"


def test_operator_views_never_show_a_webhook_secret(
    client: TestClient, db: Database, two_partners: dict[str, str]
) -> None:
    with db.read() as session:
        secret = session.scalars(select(Partner.webhook_secret).where(Partner.name == "english")).one()
    assert secret  # kept: every push is signed with it (HMAC needs the secret itself)
    for path in (
        "/v1/admin/partners",
        "/v1/admin/partners/english",
        "/v1/admin/deliveries",
        "/v1/admin/partners/english/keys",
    ):
        answer = client.get(path, headers=ADMIN)
        assert (
            answer.status_code == 200 and secret not in answer.text and secret.removeprefix("whsec_") not in answer.text
        )
