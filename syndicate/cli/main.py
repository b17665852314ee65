"""The ``syndicate`` command: ingest, run, workers, the API, feeds and configuration."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from syndicate.cli import partners as partners_cli
from syndicate.cli.common import EXIT_INVALID, console, err_console, override, read_stdin, report_errors
from syndicate.cli.i18n import i18n_app
from syndicate.cli.status import status
from syndicate.cli.translate import app as translate_app
from syndicate.domain.article import article_json_schema
from syndicate.pipeline.ingest import Outcome
from syndicate.settings import mask_url
from syndicate.storage.db import get_database

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
feeds_app = typer.Typer(no_args_is_help=True, help="Feed documents: export.")
db_app = typer.Typer(no_args_is_help=True, help="Database: migrations.")
app.add_typer(feeds_app, name="feeds")
app.add_typer(db_app, name="db")
app.add_typer(i18n_app, name="i18n")
app.add_typer(partners_cli.app, name="partners")
app.add_typer(translate_app, name="translate")
app.command("status")(status)

DatabaseOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL (SYNDICATE_DATABASE_URL)")]
BrokerOpt = Annotated[str | None, typer.Option("--broker", help="Celery broker URL (SYNDICATE_BROKER_URL)")]


def _print_results(results: list, quiet: bool = False) -> None:
    tally = Counter(str(r.outcome) for r in results)
    if not quiet:
        for r in results:
            if r.outcome in (Outcome.unchanged, Outcome.ignored_older):
                err_console.print(f"[yellow]{r.id} v{r.version}: {r.outcome}[/]: {r.message}")
    console.print(", ".join(f"{n} {k}" for k, n in sorted(tally.items())) or "nothing ingested")


@app.command()
@report_errors
def ingest(
    path: Annotated[str, typer.Argument(help="A JSON file, a folder of them, or - for JSON Lines on stdin")],
    database: DatabaseOpt = None,
    broker: BrokerOpt = None,
) -> None:
    """Validate and store articles; steps run in-process, or on workers with --broker."""
    from syndicate.cli.run import run_embedded

    settings = override(database_url=database, broker_url=broker)
    db = get_database()
    stdin_text = read_stdin() if path == "-" else None
    if settings.broker_url:
        from syndicate.pipeline.service import ingest_in_batches, read_sources
        from workers.app import configure
        from workers.dispatch import dispatcher

        configure(settings)
        results = ingest_in_batches(db, dispatcher(), settings, read_sources(path, stdin_text))
    else:
        results = run_embedded(db, settings, path, stdin_text).results
    _print_results(results)


@app.command()
@report_errors
def run(
    path: Annotated[str, typer.Argument(help="Articles: a JSON file, a folder, or - for JSON Lines")],
    out: Annotated[Path, typer.Option("--out", help="Folder for feeds and payloads")] = Path("out"),
    database: DatabaseOpt = None,
    broker: BrokerOpt = None,
    timeout: Annotated[float, typer.Option(help="With --broker: seconds to wait for workers")] = 600.0,
) -> None:
    """The main job: ingest, localize, render feeds, build payloads, export to --out."""
    from syndicate.cli.run import export_all, run_embedded, run_with_broker

    settings = override(database_url=database, broker_url=broker)
    db = get_database()
    stdin_text = read_stdin() if path == "-" else None
    if settings.broker_url:
        summary = run_with_broker(db, settings, path, stdin_text, timeout=timeout)
    else:
        summary = run_embedded(db, settings, path, stdin_text)
    export_all(db, summary, out)
    _print_results(summary.results, quiet=True)
    table = Table(title="syndicate run", show_header=False)
    broker = mask_url(settings.broker_url) if settings.broker_url else None
    table.add_row("mode", f"Celery workers via {broker}" if broker else "in-process")
    table.add_row("database", mask_url(db.url))
    table.add_row("articles", str(len(summary.results)))
    table.add_row("feeds", f"{summary.feeds} ({summary.feed_files} files written)")
    table.add_row("payloads", f"{summary.payloads} ({summary.payload_files} files written)")
    table.add_row("output", f"{out}/feeds, {out}/payloads")
    table.add_row("time", f"{summary.seconds:.2f}s")
    console.print(table)


@app.command()
def worker(
    queues: Annotated[str, typer.Option("-Q", "--queues", help="Comma-separated queues")] = (
        "ingest,translate,render,deliver,maintenance"
    ),
    concurrency: Annotated[int, typer.Option("-c", "--concurrency")] = 1,
    pool: Annotated[str, typer.Option(help="solo, prefork or threads")] = "solo",
    loglevel: Annotated[str, typer.Option()] = "WARNING",
    broker: BrokerOpt = None,
    database: DatabaseOpt = None,
    beat: Annotated[bool, typer.Option(help="Also run the beat scheduler (the sweeper)")] = False,
) -> None:
    """Start a Celery worker (needs a broker)."""
    settings = override(database_url=database, broker_url=broker)
    if not settings.broker_url:
        err_console.print("error: a worker needs a broker: set SYNDICATE_BROKER_URL or --broker")
        raise typer.Exit(EXIT_INVALID)
    get_database()  # migrate before consuming
    from workers.app import configure

    argv = [
        "worker",
        "-Q",
        queues,
        "-c",
        str(concurrency),
        "-P",
        pool,
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if beat:
        argv.append("-B")
    configure(settings).worker_main(argv)


@app.command("beat")
def beat_cmd(broker: BrokerOpt = None, loglevel: Annotated[str, typer.Option()] = "WARNING") -> None:
    """Start Celery beat: runs the sweeper every few seconds."""
    settings = override(broker_url=broker)
    from workers.app import configure

    configure(settings).start(["beat", "--loglevel", loglevel])


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
    database: DatabaseOpt = None,
    broker: BrokerOpt = None,
) -> None:
    """Serve the HTTP API (ingest, feeds, partners, desk)."""
    import uvicorn

    override(database_url=database, broker_url=broker)
    get_database()
    uvicorn.run(
        "syndicate.api.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,  # requests are logged by the app with their context; a proxy keeps access logs
    )


@app.command()
@report_errors
def sweep(database: DatabaseOpt = None, broker: BrokerOpt = None) -> None:
    """Run the sweeper once: re-send overdue steps, lift embargoes."""
    from syndicate.pipeline.sweeper import sweep as sweep_once

    settings = override(database_url=database, broker_url=broker)
    db = get_database()
    if settings.broker_url:
        from workers.app import configure
        from workers.dispatch import dispatcher

        configure(settings)
        result = sweep_once(db, dispatcher(), settings)
    else:
        from syndicate.pipeline.run import InlineDispatcher

        result = sweep_once(db, InlineDispatcher(db, settings), settings)
    console.print(f"re-sent {result.resent} steps, released {result.released} embargoed articles")


@feeds_app.command("export")
@report_errors
def feeds_export(
    out: Annotated[Path, typer.Option("--out", help="Folder to write feeds into")],
    database: DatabaseOpt = None,
) -> None:
    """Write every stored feed document to --out (atomic renames)."""
    from syndicate.feeds.export import export_feeds

    override(database_url=database)
    with get_database().read() as session:
        written = export_feeds(session, out)
    console.print(f"{len(written)} files written to {out}")


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOpt = None) -> None:
    """Apply migrations up to the newest."""
    override(database_url=database)
    get_database(migrate=False).upgrade()
    console.print("database at head")


@app.command()
def config(
    table: Annotated[bool, typer.Option("--table", help="Print the settings reference as a Markdown table")] = False,
) -> None:
    """Print the effective settings, secrets masked."""
    from syndicate.settings import get_settings, settings_table

    if table:
        print(settings_table())
        return
    console.print_json(json.dumps(get_settings().masked(), ensure_ascii=False, default=str))


@app.command()
def schema() -> None:
    """Print the JSON Schema of an article document."""
    print(json.dumps(article_json_schema(), ensure_ascii=False, indent=2))


def main() -> None:
    from syndicate.logs import setup_logging
    from syndicate.settings import get_settings

    settings = get_settings()
    setup_logging(settings.log_level, settings.log_json)
    app()


if __name__ == "__main__":
    main()
