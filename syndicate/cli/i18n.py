"""``syndicate i18n``: the gettext catalogs (pybabel extract/update/init, and checks)."""

from __future__ import annotations

from typing import Annotated

import typer

from syndicate.cli.common import EXIT_FAILED, console, err_console

i18n_app = typer.Typer(no_args_is_help=True, help="gettext catalogs in locales/: extract, update, init, check.")


@i18n_app.command("extract")
def extract_cmd() -> None:
    """Write locales/syndicate.pot from the msgids in the code."""
    from syndicate.languages import catalogs

    path = catalogs.extract()
    console.print(f"{len(catalogs.msgids(catalogs.read_template(path)))} messages in {path}")


@i18n_app.command("update")
def update_cmd() -> None:
    """Extract, then merge the template into every catalog (dropping messages gone from the code)."""
    from syndicate.languages import catalogs

    catalogs.extract()
    catalogs.update()
    console.print("catalogs updated: translate the new entries, then run `syndicate i18n check`")


@i18n_app.command("init")
def init_cmd(language: Annotated[str, typer.Argument(help="A public language code from the registry")]) -> None:
    """Start the catalog of a newly registered language, with CLDR's plural rule."""
    from syndicate.languages import catalogs
    from syndicate.languages.registry import LANGUAGES

    if language not in LANGUAGES:
        err_console.print(f"error: {language!r} is not in the language registry")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"created {catalogs.init(language)}")


@i18n_app.command("check")
def check_cmd() -> None:
    """Every catalog complete, placeholders kept, plural rules equal to CLDR; exit 1 otherwise."""
    from syndicate.languages import catalogs

    template = catalogs.current_template()
    stale = catalogs.msgids(template) ^ catalogs.msgids(catalogs.read_template())
    failed = False
    if stale:
        err_console.print(f"locales/syndicate.pot is stale ({len(stale)} messages differ): run `syndicate i18n update`")
        failed = True
    for report in catalogs.check(template):
        for problem in report.problems:
            print(f"error: {problem}")
        failed = failed or bool(report.problems)
        if not report.problems:
            console.print(f"{report.language} ({report.catalog}): complete")
    if failed:
        raise typer.Exit(EXIT_FAILED)
