"""The admin API for partners (role admin): partners, keys, deliveries, replay, circuit state."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from syndicate.api.app import create_app
from syndicate.settings import Settings
from syndicate.storage.db import Database
from tests.helpers import article
from tests.partners.endpoint import Answer, PartnerEndpoint
from tests.partners.support import publish, sweep_until, terminal

ADMIN = {"Authorization": "Bearer admin-secret"}
EDITOR = {"Authorization": "Bearer editor-secret"}


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def test_partner_and_key_lifecycle(client: TestClient) -> None:
    body = {"name": "kurdpress", "contact": "desk@kurdpress.example", "languages": ["ckb", "kmr"]}
    assert client.post("/v1/admin/partners", json=body).status_code == 401
    assert client.post("/v1/admin/partners", json=body, headers=EDITOR).status_code == 403
    created = client.post("/v1/admin/partners", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    view = created.json()
    assert view["languages"] == ["ckb", "kmr"] and view["formats"] == ["ninjs"] and view["circuit"] == "closed"
    assert view["webhook_secret"] is None, "no webhook, no secret"
    assert client.post("/v1/admin/partners", json=body, headers=ADMIN).status_code == 409

    bad = client.post("/v1/admin/partners", json={"name": "x", "languages": ["fr"], "formats": ["rss"]}, headers=ADMIN)
    assert bad.status_code == 422
    assert {p["field"] for p in bad.json()["problems"]} >= {"languages.0", "formats.0"}

    key = client.post("/v1/admin/partners/kurdpress/keys", json={"label": "2026", "expires_in_days": 90}, headers=ADMIN)
    assert key.status_code == 201
    secret = key.json()["key"]
    partner_auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/partner/items", headers=partner_auth).status_code == 200
    listed = client.get("/v1/admin/partners/kurdpress/keys", headers=ADMIN).json()
    assert [k["state"] for k in listed] == ["active"] and secret not in str(listed)
    assert client.delete(f"/v1/admin/partners/kurdpress/keys/{key.json()['prefix']}", headers=ADMIN).status_code == 200
    assert client.get("/v1/partner/items", headers=partner_auth).status_code == 401

    patched = client.patch("/v1/admin/partners/kurdpress", json={"sections": ["culture"]}, headers=ADMIN).json()
    assert patched["sections"] == ["culture"] and patched["languages"] == ["ckb", "kmr"]
    refused = client.patch("/v1/admin/partners/kurdpress", json={"webhook_url": "http://10.0.0.7/hook"}, headers=ADMIN)
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "webhook_url"
    access = client.get("/v1/admin/partners/kurdpress/access", headers=ADMIN).json()
    assert [a["status"] for a in access] == [401, 200]
    gone = client.post("/v1/admin/partners/kurdpress/deactivate", headers=ADMIN).json()
    assert gone["active"] is False
    assert client.get("/v1/admin/partners/nobody", headers=ADMIN).status_code == 404


def test_deliveries_replay_and_circuit_over_the_api(
    db: Database, settings: Settings, client: TestClient, endpoint: PartnerEndpoint
) -> None:
    body = {"name": "wire", "languages": ["en"], "webhook_url": endpoint.url, "allow_private_webhook": True}
    created = client.post("/v1/admin/partners", json=body, headers=ADMIN).json()
    endpoint.secret = created["webhook_secret"]
    assert endpoint.secret.startswith("whsec_")
    assert "webhook_secret" not in client.get("/v1/admin/partners/wire", headers=ADMIN).json()

    endpoint.default = Answer(500, process=False)
    publish(db, settings, article(id="api-1"))
    sweep_until(db, settings, terminal(db))
    dead = client.get("/v1/admin/deliveries", params={"state": "dead"}, headers=ADMIN).json()
    assert [(d["article"], d["state"], d["attempts"]) for d in dead] == [("api-1", "dead", settings.push_max_attempts)]
    assert client.get("/v1/admin/deliveries", params={"state": "bogus"}, headers=ADMIN).status_code == 422
    assert client.get("/v1/admin/partners/wire", headers=ADMIN).json()["deliveries"]["dead"] == 1

    endpoint.default = Answer(200)
    replayed = client.post("/v1/admin/deliveries/replay", json={"partner": "wire"}, headers=ADMIN)
    assert replayed.json() == [{"id": dead[0]["id"], "replayed": True, "reason": ""}]
    delivered = client.get("/v1/admin/deliveries", params={"partner": "wire"}, headers=ADMIN).json()
    assert [(d["state"], d["replays"]) for d in delivered] == [("delivered", 1)]
    again = client.post("/v1/admin/deliveries/replay", json={"ids": [dead[0]["id"]]}, headers=ADMIN)
    assert again.status_code == 409, "only dead deliveries are replayed"
    assert len(endpoint.processed) == 1

    rotated = client.post("/v1/admin/partners/wire/webhook-secret", headers=ADMIN).json()["webhook_secret"]
    assert rotated != endpoint.secret
    endpoint.secret = rotated
    publish(db, settings, article(id="api-2"))
    assert endpoint.receipts[-1].verified, "the next push is signed with the new secret"
    resumed = client.post("/v1/admin/partners/wire/resume", headers=ADMIN).json()
    assert resumed["circuit"] == "closed" and resumed["consecutive_failures"] == 0
