"""``syndicate partners ...``: add, list, show, update, keys, deliveries, replay, deactivate."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from syndicate.cli.main import app
from syndicate.settings import Settings
from syndicate.storage.db import Database
from tests.helpers import article
from tests.partners.endpoint import Answer, PartnerEndpoint
from tests.partners.support import publish, sweep_until, terminal

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, ["partners", *args])
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result.output


def test_partner_commands(db: Database, settings: Settings) -> None:
    out = run("add", "kurdpress", "-l", "ckb", "-l", "kmr", "-s", "kurdistan", "-f", "newsml", "-f", "ninjs",
              "--contact", "desk@kurdpress.example", "--trusted-embargo")  # fmt: skip
    assert "kurdpress" in out and "webhook secret" not in out
    shown = json.loads(run("show", "kurdpress", "--json"))
    assert shown["languages"] == ["ckb", "kmr"] and shown["formats"] == ["newsml", "ninjs"]
    assert shown["trusted_embargo"] is True and shown["circuit"] == "closed"

    bad = runner.invoke(app, ["partners", "add", "x", "-l", "fr"])
    assert bad.exit_code == 2 and "languages" in bad.stderr

    run("update", "kurdpress", "--all-sections", "--no-trusted-embargo", "-l", "ckb")
    shown = json.loads(run("show", "kurdpress", "--json"))
    assert shown["sections"] == [] and shown["languages"] == ["ckb"] and shown["trusted_embargo"] is False

    created = run("keys", "create", "kurdpress", "--label", "ops", "--expires-in-days", "30")
    secret = created.strip().splitlines()[-1]
    assert secret.startswith("cnp_")
    keys = json.loads(run("keys", "list", "kurdpress", "--json"))
    assert [(k["label"], k["state"]) for k in keys] == [("ops", "active")] and secret not in json.dumps(keys)
    run("keys", "revoke", "kurdpress", str(keys[0]["id"]))
    assert json.loads(run("keys", "list", "kurdpress", "--json"))[0]["state"] == "revoked"

    assert [p["name"] for p in json.loads(run("list", "--json"))] == ["kurdpress"]
    assert "closed" in run("list")
    run("deactivate", "kurdpress")
    assert json.loads(run("show", "kurdpress", "--json"))["active"] is False
    missing = runner.invoke(app, ["partners", "show", "nobody"])
    assert missing.exit_code == 1 and "no partner" in missing.stderr


def test_deliveries_list_and_replay(db: Database, settings: Settings, endpoint: PartnerEndpoint) -> None:
    out = run("add", "wire", "-l", "en", "--webhook", endpoint.url, "--allow-private-webhook")
    endpoint.secret = next(line.split(": ", 1)[1].strip() for line in out.splitlines() if "webhook secret" in line)
    endpoint.default = Answer(500, process=False)
    publish(db, settings, article(id="cli-1"))
    sweep_until(db, settings, terminal(db))
    dead = json.loads(run("deliveries", "list", "--state", "dead", "--json"))
    assert [(d["partner"], d["article"], d["state"]) for d in dead] == [("wire", "cli-1", "dead")]
    assert json.loads(run("show", "wire", "--json"))["deliveries"]["dead"] == 1

    endpoint.default = Answer(200)
    out = run("deliveries", "replay", str(dead[0]["id"]))
    assert f"{dead[0]['id']}: replayed" in out and f"{dead[0]['id']}: now delivered" in out
    assert endpoint.receipts[-1].verified and len(endpoint.processed) == 1
    assert json.loads(run("deliveries", "list", "--partner", "wire", "--json"))[0]["state"] == "delivered"

    rotated = run("rotate-secret", "wire")
    assert "whsec_" in rotated
    assert "resumed" in run("resume", "wire")
    assert "items added" in run("backfill", "wire", "--limit", "5")
