"""The README stays true: its commands are the ones CI runs, its settings table is complete."""

from __future__ import annotations

import re

from syndicate.settings import settings_table
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text("utf-8")
CI = (ROOT / ".ci" / "run").read_text("utf-8")


def indented_commands() -> list[str]:
    return [line.strip() for line in README.splitlines() if line.startswith("    ") and line.strip()]


def test_readme_gives_exactly_two_newcomer_commands() -> None:
    section = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in section.splitlines() if line.startswith("    ")]
    assert len(commands) == 2
    main_job, tests = commands
    assert "syndicate run examples/" in main_job
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command() -> None:
    section = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    test_command = [line.strip() for line in section.splitlines() if line.startswith("    ")][1]
    ci_lines = [line.strip() for line in CI.splitlines()]
    assert test_command in ci_lines, f"CI must run exactly {test_command!r}"


def test_ci_starts_services_it_needs() -> None:
    assert "redis-server --daemonize yes" in CI
    assert "pg_ctlcluster --skip-systemctl-redirect" in CI


def test_settings_table_is_current() -> None:
    assert settings_table() in README, "regenerate with: syndicate config --table"


def test_every_cli_command_is_documented() -> None:
    from syndicate.cli.main import app

    names = {c.name or c.callback.__name__ for c in app.registered_commands}  # type: ignore[union-attr]
    names |= {g.name for g in app.registered_groups}
    for name in names:
        assert re.search(rf"`syndicate {name}\b", README), f"README does not document `syndicate {name}`"
