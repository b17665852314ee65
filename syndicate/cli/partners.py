"""``syndicate partners``: partners, their API keys and push deliveries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from syndicate.cli.common import console, override, report_errors
from syndicate.errors import Problem, ValidationFailed
from syndicate.pipeline.outbox import Dispatcher, unit_of_work
from syndicate.settings import Settings
from syndicate.storage.db import Database, get_database
from syndicate.storage.types import utcnow

app = typer.Typer(no_args_is_help=True, help="Partners: subscriptions, delivery, API keys, deliveries.")
keys_app = typer.Typer(no_args_is_help=True, help="API keys: several per partner, shown once, stored hashed.")
deliveries_app = typer.Typer(no_args_is_help=True, help="Push deliveries: list by state, replay dead ones.")
app.add_typer(keys_app, name="keys")
app.add_typer(deliveries_app, name="deliveries")

DatabaseOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL (SYNDICATE_DATABASE_URL)")]
BrokerOpt = Annotated[str | None, typer.Option("--broker", help="Celery broker URL (SYNDICATE_BROKER_URL)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
Languages = Annotated[list[str] | None, typer.Option("--language", "-l", help="Subscribed language (repeat)")]
Sections = Annotated[list[str] | None, typer.Option("--section", "-s", help="Subscribed section (repeat; none = all)")]
Formats = Annotated[list[str] | None, typer.Option("--format", "-f", help="ninjs or newsml (repeat; first = default)")]
Contact = Annotated[str | None, typer.Option("--contact", help="Who to call at the partner")]
Webhook = Annotated[str | None, typer.Option("--webhook", help="Push URL ('' switches push off)")]
PushFormat = Annotated[str | None, typer.Option("--push-format", help="Format of pushed payloads")]
Private = Annotated[bool | None, typer.Option("--allow-private-webhook/--no-allow-private-webhook")]
Trusted = Annotated[bool | None, typer.Option("--trusted-embargo/--no-trusted-embargo", help="Gets embargoed items")]
Images = Annotated[bool | None, typer.Option("--all-images/--redistributable-images", help="Agency photos too")]
Pull = Annotated[bool | None, typer.Option("--pull/--no-pull", help="May use the pull API")]


def _setup(database: str | None, broker: str | None) -> tuple[Database, Dispatcher, Settings]:
    """The database and where owed steps go: Celery with a broker, else run them here."""
    settings = override(database_url=database, broker_url=broker)
    db = get_database()
    if settings.broker_url:
        from workers.app import configure
        from workers.dispatch import dispatcher

        configure(settings)
        return db, dispatcher(), settings
    from syndicate.pipeline.run import InlineDispatcher

    return db, InlineDispatcher(db, settings), settings


def _fields(**values: Any) -> dict[str, Any]:
    names = {"webhook": "webhook_url", "private": "allow_private_webhook", "trusted": "trusted_embargo"}
    out = {}
    for key, value in values.items():
        if value is not None and value != []:
            out[names.get(key, key)] = value
    return out


def _spec(model: Any, data: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise ValidationFailed(problems) from None


def _show(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(view, ensure_ascii=False, indent=2))
        return
    table = Table(show_header=False, title=f"partner {view['name']}")
    for key, value in view.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        if isinstance(value, dict):
            shown = ", ".join(f"{k} {v}" for k, v in value.items())
        table.add_row(key, "" if shown is None else str(shown))
    console.print(table)


@app.command("add")
@report_errors
def add(
    name: Annotated[str, typer.Argument(help="Partner name (letters, digits, . _ -)")],
    language: Languages = None,
    section: Sections = None,
    format: Formats = None,
    contact: Contact = None,
    webhook: Webhook = None,
    push_format: PushFormat = None,
    private: Private = None,
    trusted: Trusted = None,
    all_images: Images = None,
    pull: Pull = None,
    backfill: Annotated[int, typer.Option(help="Give it the current version of its newest N stories")] = 0,
    as_json: JsonOpt = False,
    database: DatabaseOpt = None,
    broker: BrokerOpt = None,
) -> None:
    """Add a partner. A webhook secret, if any, is printed once."""
    from syndicate.partners import service
    from syndicate.partners.spec import PartnerCreate

    data = _fields(
        name=name, languages=language, sections=section, formats=format, contact=contact, webhook=webhook,
        push_format=push_format, private=private, trusted=trusted, all_images=all_images, pull=pull, backfill=backfill,
    )  # fmt: skip
    db, dispatcher, settings = _setup(database, broker)
    spec = _spec(PartnerCreate, data)
    with unit_of_work(db, dispatcher, settings.step_deadline_seconds) as uow:
        partner, secret, count = service.create(uow, settings, spec)
        view = service.view(uow.session, partner)
    _show({**view, "backfilled": count}, as_json)
    if secret:
        console.print(f"webhook secret (shown once): [bold]{secret}[/]")


@app.command("update")
@report_errors
def update(
    name: Annotated[str, typer.Argument(help="Partner name or id")],
    language: Languages = None,
    section: Sections = None,
    all_sections: Annotated[bool, typer.Option("--all-sections", help="Subscribe to every section")] = False,
    format: Formats = None,
    contact: Contact = None,
    webhook: Webhook = None,
    push_format: PushFormat = None,
    private: Private = None,
    trusted: Trusted = None,
    all_images: Images = None,
    pull: Pull = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive")] = None,
    as_json: JsonOpt = False,
    database: DatabaseOpt = None,
    broker: BrokerOpt = None,
) -> None:
    """Change a partner's subscriptions, delivery methods or entitlement rules."""
    from syndicate.partners import service
    from syndicate.partners.spec import PartnerUpdate

    data = _fields(
        languages=language, sections=section, formats=format, contact=contact, webhook=webhook,
        push_format=push_format, private=private, trusted=trusted, all_images=all_images, pull=pull, active=active,
    )  # fmt: skip
    if all_sections:
        data["sections"] = []
    db, dispatcher, settings = _setup(database, broker)
    spec = _spec(PartnerUpdate, data)
    with unit_of_work(db, dispatcher, settings.step_deadline_seconds) as uow:
        partner, secret = service.change(uow, settings, name, spec)
        view = service.view(uow.session, partner)
    _show(view, as_json)
    if secret:
        console.print(f"webhook secret (shown once): [bold]{secret}[/]")


@app.command("list")
@report_errors
def list_partners(as_json: JsonOpt = False, database: DatabaseOpt = None) -> None:
    """Every partner with its circuit state and deliveries."""
    from syndicate.partners import service

    override(database_url=database)
    with get_database().read() as session:
        rows = service.listing(session)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("id", "name", "active", "languages", "sections", "formats", "push", "circuit", "pending", "dead")
    for r in rows:
        table.add_row(
            str(r["id"]), r["name"], "yes" if r["active"] else "no", ",".join(r["languages"]),
            ",".join(r["sections"]) or "all", ",".join(r["formats"]), "yes" if r["webhook_url"] else "no",
            r["circuit"], str(r["deliveries"]["pending"]), str(r["deliveries"]["dead"]),
        )  # fmt: skip
    console.print(table)


@app.command("show")
@report_errors
def show(name: Annotated[str, typer.Argument()], as_json: JsonOpt = False, database: DatabaseOpt = None) -> None:
    """One partner: subscriptions, rules, circuit breaker state, delivery counts."""
    from syndicate.partners import service

    override(database_url=database)
    with get_database().read() as session:
        view = service.view(session, service.find(session, name))
    _show(view, as_json)


@app.command("deactivate")
@report_errors
def deactivate(name: Annotated[str, typer.Argument()], database: DatabaseOpt = None) -> None:
    """Switch a partner off: no new items, keys refused, pending pushes dropped."""
    from syndicate.partners import service

    override(database_url=database)
    with get_database().transaction() as session:
        partner = service.deactivate(session, name)
    console.print(f"partner {partner.name} deactivated")


@app.command("resume")
@report_errors
def resume(name: Annotated[str, typer.Argument()], database: DatabaseOpt = None, broker: BrokerOpt = None) -> None:
    """Close a paused partner's circuit; its waiting pushes go now."""
    from syndicate.partners import service

    db, dispatcher, settings = _setup(database, broker)
    with unit_of_work(db, dispatcher, settings.step_deadline_seconds) as uow:
        partner = service.resume(uow, name)
        partner_name = partner.name
    console.print(f"partner {partner_name} resumed")


@app.command("rotate-secret")
@report_errors
def rotate_secret(name: Annotated[str, typer.Argument()], database: DatabaseOpt = None) -> None:
    """A new webhook signing secret, printed once."""
    from syndicate.partners import service

    override(database_url=database)
    with get_database().transaction() as session:
        secret = service.rotate_secret(session, name)
    console.print(f"webhook secret (shown once): [bold]{secret}[/]")


@app.command("backfill")
@report_errors
def backfill_cmd(
    name: Annotated[str, typer.Argument()],
    limit: Annotated[int, typer.Option(help="How many of the newest stories")] = 50,
    database: DatabaseOpt = None,
    broker: BrokerOpt = None,
) -> None:
    """Give a partner the current version of its newest stories (not their history)."""
    from syndicate.partners import service
    from syndicate.partners.sequence import backfill

    db, dispatcher, settings = _setup(database, broker)
    with unit_of_work(db, dispatcher, settings.step_deadline_seconds) as uow:
        count = backfill(uow, service.find(uow.session, name).id, limit=limit)
    console.print(f"{count} items added to {name}'s sequence")


@keys_app.command("create")
@report_errors
def keys_create(
    name: Annotated[str, typer.Argument(help="Partner name or id")],
    label: Annotated[str, typer.Option(help="What the key is for")] = "",
    expires_in_days: Annotated[float | None, typer.Option(help="Expires after this many days")] = None,
    expires: Annotated[datetime | None, typer.Option(help="Expires at (ISO 8601, UTC if no zone)")] = None,
    database: DatabaseOpt = None,
) -> None:
    """Issue an API key. It is printed once and stored only as a hash."""
    from syndicate.partners import keys, service

    override(database_url=database)
    expires_at = None
    if expires is not None:
        expires_at = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    if expires_in_days is not None:
        expires_at = utcnow() + timedelta(days=expires_in_days)
    with get_database().transaction() as session:
        issued = keys.issue(session, service.find(session, name), label=label, expires_at=expires_at)
    console.print(f"key {issued.id} ({issued.prefix}) for {issued.partner}; shown once:")
    print(issued.secret)


@keys_app.command("list")
@report_errors
def keys_list(name: Annotated[str, typer.Argument()], as_json: JsonOpt = False, database: DatabaseOpt = None) -> None:
    """A partner's keys: prefix, state, expiry (never the keys themselves)."""
    from syndicate.partners import keys, service

    override(database_url=database)
    with get_database().read() as session:
        rows = keys.listing(session, service.find(session, name))
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("id", "prefix", "label", "state", "created", "expires")
    for r in rows:
        table.add_row(str(r["id"]), str(r["prefix"]), str(r["label"]), str(r["state"]), str(r["created_at"]),
                      str(r["expires_at"] or ""))  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
@report_errors
def keys_revoke(
    name: Annotated[str, typer.Argument()],
    key: Annotated[str, typer.Argument(help="Key id or prefix")],
    database: DatabaseOpt = None,
) -> None:
    """Revoke a key at once."""
    from syndicate.partners import keys, service

    override(database_url=database)
    with get_database().transaction() as session:
        row = keys.revoke(session, service.find(session, name), key)
        prefix = row.prefix
    console.print(f"key {prefix} revoked")


@deliveries_app.command("list")
@report_errors
def deliveries_list(
    partner: Annotated[str | None, typer.Option(help="Only this partner")] = None,
    state: Annotated[str | None, typer.Option(help="pending, delivered or dead")] = None,
    limit: Annotated[int, typer.Option()] = 50,
    as_json: JsonOpt = False,
    database: DatabaseOpt = None,
) -> None:
    """Push deliveries, newest first."""
    from syndicate.partners import service

    override(database_url=database)
    with get_database().read() as session:
        rows = service.deliveries(session, partner=partner, state=state, limit=limit)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("id", "partner", "article", "v", "seq", "state", "attempts", "last status", "last error")
    for r in rows:
        table.add_row(str(r["id"]), r["partner"], str(r["article"]), str(r["version"]), str(r["seq"]), r["state"],
                      str(r["attempts"]), str(r["last_status"] or ""), (r["last_error"] or "")[:60])  # fmt: skip
    console.print(table)


@deliveries_app.command("replay")
@report_errors
def deliveries_replay(
    ids: Annotated[list[int] | None, typer.Argument(help="Dead delivery ids")] = None,
    partner: Annotated[str | None, typer.Option(help="Every dead delivery of this partner")] = None,
    database: DatabaseOpt = None,
    broker: BrokerOpt = None,
) -> None:
    """Send dead-lettered deliveries again (same webhook-id); without a broker they go now, here."""
    from syndicate.partners import service

    if not ids and not partner:
        raise ValidationFailed([Problem("ids", "give delivery ids or --partner")])
    db, dispatcher, settings = _setup(database, broker)
    with unit_of_work(db, dispatcher, settings.step_deadline_seconds) as uow:
        results = service.replay(uow, ids=ids or None, partner=partner)
    for r in results:
        console.print(f"{r['id']}: {'replayed' if r['replayed'] else 'skipped: ' + r['reason']}")
    with db.read() as session:
        done = {d["id"]: d for d in service.deliveries(session, partner=partner, limit=1000)}
    for r in results:
        if r["replayed"] and r["id"] in done:
            console.print(f"{r['id']}: now {done[r['id']]['state']}")
