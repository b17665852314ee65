"""The command line: ingest from files, folders and stdin; run; config; export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate.cli.main import app
from tests.helpers import EXAMPLES, ROOT, article, parse_feed

runner = CliRunner()


def test_ingest_a_file_then_the_same_again(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(article()))
    first = runner.invoke(app, ["ingest", str(path)])
    assert first.exit_code == 0, first.output
    assert "1 created" in first.output
    second = runner.invoke(app, ["ingest", str(path)])
    assert second.exit_code == 0 and "1 unchanged" in second.output


def test_ingest_jsonl_from_stdin() -> None:
    lines = "\n".join(json.dumps(article(id=f"s-{i}")) for i in range(3))
    result = runner.invoke(app, ["ingest", "-"], input=lines)
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output


def test_bad_input_exits_non_zero_with_one_line_per_problem(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps(article(headline=None, language="xx")))
    (tmp_path / "broken.json").write_text('{"id": ')
    (tmp_path / "good.json").write_text(json.dumps(article(id="g-1")))
    result = runner.invoke(app, ["ingest", str(tmp_path)])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3
    assert any("bad.json: headline" in e for e in errors)
    assert any("bad.json: language" in e for e in errors)
    assert any("broken.json" in e and "invalid JSON" in e for e in errors)
    # nothing stored half-way: the good file was not ingested either
    assert "1 created" in runner.invoke(app, ["ingest", str(tmp_path / "good.json")]).output


def test_config_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNDICATE_BROKER_URL", "redis://user:hunter2@redis.example:6379/0")
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 0
    assert "newsroom-secret" not in result.output and "hunter2" not in result.output
    assert "redis://user:****@redis.example:6379/0" in result.output


def test_run_and_export(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(EXAMPLES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rss = (out / "feeds" / "ckb" / "rss.xml").read_bytes()
    assert len(parse_feed(rss, "application/rss+xml").entries) == 3
    assert (out / "payloads" / "ckb" / "cn-93005" / "v2.ninjs.json").exists()
    exported = tmp_path / "export"
    assert runner.invoke(app, ["feeds", "export", "--out", str(exported)]).exit_code == 0
    assert (exported / "en" / "atom.xml").read_bytes() == (out / "feeds" / "en" / "atom.xml").read_bytes()


def test_main_job_as_a_newcomer_runs_it(tmp_path: Path) -> None:
    """The README's main job, as a subprocess in a clean folder: no Redis, no PostgreSQL."""
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", "run", str(EXAMPLES), "--out", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "in-process" in proc.stdout
    assert (tmp_path / "out" / "feeds" / "en" / "rss.xml").exists()
    assert (tmp_path / "syndicate.db").exists()
    assert ROOT.exists()
