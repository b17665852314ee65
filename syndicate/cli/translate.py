"""``syndicate translate``: the translation desk and the backends from the command line."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from syndicate.cli.common import console, override, report_errors
from syndicate.errors import Problem, ValidationFailed
from syndicate.pipeline.outbox import Dispatcher, unit_of_work
from syndicate.settings import Settings
from syndicate.storage.db import Database, get_database
from syndicate.translation import breaker, desk, xliff

app = typer.Typer(no_args_is_help=True, help="Translation jobs: the desk, XLIFF, backends.")

DatabaseOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL (SYNDICATE_DATABASE_URL)")]
BrokerOpt = Annotated[str | None, typer.Option("--broker", help="Celery broker URL (SYNDICATE_BROKER_URL)")]
ActorOpt = Annotated[str | None, typer.Option("--as", help="Name recorded in the job history (default: cli:$USER)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


def _setup(database: str | None, broker: str | None = None) -> tuple[Settings, Database]:
    settings = override(database_url=database, broker_url=broker)
    return settings, get_database()


def _dispatcher(settings: Settings, db: Database) -> Dispatcher:
    """Steps owed by a desk action (process, render...) run on workers, or here without a broker."""
    if settings.broker_url:
        from workers.app import configure
        from workers.dispatch import dispatcher

        configure(settings)
        return dispatcher()
    from syndicate.pipeline.run import InlineDispatcher

    return InlineDispatcher(db, settings)


def _actor(name: str | None) -> str:
    return name or f"cli:{getpass.getuser()}"


def _print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


@app.command("jobs")
@report_errors
def jobs(
    language: Annotated[str | None, typer.Option("--language", "-l", help="Target language")] = None,
    state: Annotated[str | None, typer.Option("--state", "-s", help="Comma-separated states")] = None,
    limit: Annotated[int, typer.Option(help="Most jobs listed")] = 100,
    as_json: JsonOpt = False,
    database: DatabaseOpt = None,
) -> None:
    """List jobs by target language and state (default: those waiting for people)."""
    _, db = _setup(database)
    states = [s.strip() for s in state.split(",")] if state else None
    with db.read() as session:
        rows = desk.list_jobs(session, language=language, states=states, limit=limit)
    if as_json:
        _print_json(rows)
        return
    table = Table("job", "state", "source", "pair", "section", "drafted by", "publish")
    for r in rows:
        pair = f"{r['source']['language']}>{r['target_language']}"
        source = f"{r['source']['id']} v{r['source']['version']}"
        table.add_row(str(r["id"]), r["state"], source, pair, r["section"], r["drafted_by"] or "", r["publish_mode"])
    console.print(table if rows else "no jobs")


@app.command("show")
@report_errors
def show(job_id: int, as_json: JsonOpt = False, database: DatabaseOpt = None) -> None:
    """One job: source and draft side by side, protected names, memory matches, history."""
    settings, db = _setup(database)
    with db.read() as session:
        view = desk.job_view(session, settings, job_id)
    if as_json:
        _print_json(view)
        return
    console.print(
        f"job {view['id']}: {view['source']['id']} v{view['source']['version']} "
        f"{view['source']['language']}>{view['target_language']} [bold]{view['state']}[/]"
    )
    table = Table("segment", "source", "translation", "status", show_lines=True)
    for seg in view["segments"]:
        text = seg["translation"] or seg["draft"] or ""
        status = seg["status"] + (f" ({seg['draft_origin']})" if seg["draft_origin"] else "")
        if seg["error"]:
            status += f"\n{seg['error']}"
        for match in seg["memory"]:
            status += f"\nmemory {match['score']:.0f}%: {match['target']}"
        table.add_row(
            seg["key"], seg["source_masked"], seg["translation_masked"] or seg["draft_masked"] or text, status
        )
    console.print(table)
    if view["terms"]:
        console.print("protected names: " + ", ".join(f"{t['source']} = {t['target']}" for t in view["terms"]))
    for event in view["events"]:
        console.print(
            f"  {event['at']} {event['actor']}: {event['action']} {event['from']} -> {event['to']}"
            + (f" ({event['note']})" if event.get("note") else "")
        )


@app.command("submit")
@report_errors
def submit(
    job_id: int,
    path: Annotated[Path, typer.Argument(help='JSON object of masked texts by segment key, e.g. {"headline": "..."}')],
    actor: ActorOpt = None,
    database: DatabaseOpt = None,
    broker: BrokerOpt = None,
) -> None:
    """Submit edited segments (placeholders <x id="N"/> kept)."""
    settings, db = _setup(database, broker)
    try:
        edits = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed([Problem(str(path), str(exc))]) from None
    if not isinstance(edits, dict) or not all(isinstance(v, str) for v in edits.values()):
        raise ValidationFailed([Problem(str(path), "expected a JSON object of strings")])
    with unit_of_work(db, _dispatcher(settings, db), settings.step_deadline_seconds) as uow:
        job = desk.submit(uow, job_id, edits, actor=_actor(actor))
        state = job.state
    console.print(f"job {job_id}: {len(edits)} segment(s) stored; {state}")


@app.command("approve")
@report_errors
def approve(
    job_id: int,
    note: Annotated[str | None, typer.Option("--note", help="Note kept in the history")] = None,
    actor: ActorOpt = None,
    database: DatabaseOpt = None,
    broker: BrokerOpt = None,
) -> None:
    """Approve a job: its segments join the memory and the translation is published."""
    settings, db = _setup(database, broker)
    with unit_of_work(db, _dispatcher(settings, db), settings.step_deadline_seconds) as uow:
        job = desk.approve(uow, settings, job_id, actor=_actor(actor), note=note)
        state, version = job.state, job.published_version
    console.print(f"job {job_id}: {state}" + (f" (translation v{version})" if state == "published" else ""))


@app.command("reject")
@report_errors
def reject(
    job_id: int,
    note: Annotated[str, typer.Option("--note", help="What the translator should change")],
    actor: ActorOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Reject a job with a note for the translator."""
    settings, db = _setup(database)
    with unit_of_work(db, _dispatcher(settings, db), settings.step_deadline_seconds) as uow:
        desk.reject(uow, job_id, actor=_actor(actor), note=note)
    console.print(f"job {job_id}: rejected")


@app.command("retry")
@report_errors
def retry(job_id: int, actor: ActorOpt = None, database: DatabaseOpt = None, broker: BrokerOpt = None) -> None:
    """Draft a failed or rejected job again (human edits are kept)."""
    settings, db = _setup(database, broker)
    with unit_of_work(db, _dispatcher(settings, db), settings.step_deadline_seconds) as uow:
        desk.retry(uow, job_id, actor=_actor(actor))
    with db.read() as session:
        state = desk.get_job(session, job_id).state
    console.print(f"job {job_id}: {state}")


@app.command("export")
@report_errors
def export(
    job_id: int,
    out: Annotated[Path | None, typer.Option("--out", help="File to write (default: stdout)")] = None,
    database: DatabaseOpt = None,
) -> None:
    """Write a job as XLIFF 1.2 for a CAT tool."""
    _, db = _setup(database)
    with db.read() as session:
        data = xliff.export(session, desk.get_job(session, job_id))
    if out is None:
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        out.write_bytes(data)
        console.print(f"job {job_id} written to {out}")


@app.command("import")
@report_errors
def import_(
    job_id: int,
    path: Annotated[Path, typer.Argument(help="The translated XLIFF file")],
    actor: ActorOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Read a translated XLIFF file back into a job (refused if a placeholder was lost)."""
    settings, db = _setup(database)
    with unit_of_work(db, _dispatcher(settings, db), settings.step_deadline_seconds) as uow:
        job, count = xliff.import_(uow, job_id, path.read_bytes(), actor=_actor(actor))
        state = job.state
    console.print(f"job {job_id}: {count} segment(s) imported; {state}")


@app.command("backends")
@report_errors
def backends(
    reset: Annotated[str | None, typer.Option("--reset", help="Switch a backend back on now")] = None,
    as_json: JsonOpt = False,
    database: DatabaseOpt = None,
) -> None:
    """Backends: configured or not, routes, languages served, circuit-breaker state."""
    settings, db = _setup(database)
    if reset:
        with db.transaction() as session:
            breaker.reset(session, reset)
    with db.read() as session:
        rows = desk.backends(session, settings)
    if as_json:
        _print_json(rows)
        return
    table = Table("backend", "kind", "configured", "routes", "languages", "state", "failures", "last error")
    for r in rows:
        state = r["state"] + (f" until {r['open_until']}" if r["state"] == "open" else "")
        table.add_row(
            r["name"],
            r["kind"],
            "yes" if r["configured"] else "no",
            " ".join(r["routes"]),
            # Provider codes when they are codes; language models get names (see --json).
            " ".join(k if len(v) > 5 else f"{k}={v}" for k, v in r["languages"].items()),
            state,
            f"{r['consecutive_failures']} in a row, {r['failures']}/{r['calls']}",
            (r["last_error"] or "")[:80],
        )
    console.print(table)
