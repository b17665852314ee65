"""The command line: ingest from files, folders and stdin; run; config; export."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate.cli.main import app
from syndicate.settings import get_settings, reset_settings
from syndicate.storage.db import get_database
from tests.conftest import ALL_QUEUES
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


def readme_main_job() -> list[str]:
    """The README's main-job line, cut to its ``syndicate run ...`` part."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    line = next(x.strip() for x in section.splitlines() if x.startswith("    ") and "syndicate run" in x)
    [command] = [part.strip() for part in line.split("&&") if part.strip().startswith("syndicate run")]
    return shlex.split(command)


def test_the_readme_main_job_runs_as_written(tmp_path: Path) -> None:
    """The README's main job, as a subprocess in a clean folder holding the examples: no Redis, no PostgreSQL."""
    argv = readme_main_job()
    assert argv[:2] == ["syndicate", "run"]
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", *argv[1:]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    summary = {
        row[0]: row[1]
        for row in (re.split(r"\s*│\s*", line.strip("│ ")) for line in proc.stdout.splitlines() if "│" in line)
        if len(row) == 2
    }
    files = sorted(EXAMPLES.glob("*.json"))
    given = Path(argv[argv.index("--out") + 1])
    out = tmp_path / given
    assert summary["mode"] == "in-process"
    assert summary["articles"] == str(len(files))
    written = {}
    for row in ("feeds", "payloads"):
        match = re.fullmatch(r"([1-9]\d*) \((\d+) files written\)", summary[row])
        assert match, summary[row]
        on_disk = [p for p in (out / row).rglob("*") if p.is_file()]
        assert int(match[2]) == len(on_disk), f"{row}: the summary and the folder disagree"
        written[row] = int(match[1])
    assert written["payloads"] >= len(files) * 2  # ninjs and NewsML-G2 for every version
    assert summary["output"] == f"{given}/feeds, {given}/payloads"
    ids = {json.loads(f.read_text("utf-8"))["id"] for f in files}
    assert f"{len(ids)} created, {len(files) - len(ids)} updated" in proc.stdout
    for language in ("en", "ckb", "kmr", "ar"):
        assert parse_feed((out / "feeds" / language / "rss.xml").read_bytes(), "application/rss+xml").entries
    assert len(list((out / "payloads").rglob("*.ninjs.json"))) * 2 == written["payloads"]
    assert (tmp_path / "syndicate.db").exists()


# --- folders over the request batch limit, unreadable files ----------------------------------------


def write_articles(folder: Path, n: int) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(n):
        (folder / f"a{i:02}.json").write_text(json.dumps(article(id=f"big-{i}")), "utf-8")


@pytest.mark.parametrize("command", ["ingest", "run"])
def test_a_folder_bigger_than_the_batch_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.setenv("SYNDICATE_MAX_BATCH_ITEMS", "3")
    write_articles(tmp_path / "in", 8)
    args = [command, str(tmp_path / "in")] + (["--out", str(tmp_path / "out")] if command == "run" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "8 created" in result.output
    if command == "run":
        rss = (tmp_path / "out" / "feeds" / "en" / "rss.xml").read_bytes()
        assert len(parse_feed(rss, "application/rss+xml").entries) == 8


def test_a_bad_file_in_a_big_folder_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNDICATE_MAX_BATCH_ITEMS", "3")
    write_articles(tmp_path / "in", 8)
    (tmp_path / "in" / "z.json").write_text(json.dumps(article(id="big-z", language="xx")), "utf-8")
    result = runner.invoke(app, ["ingest", str(tmp_path / "in")])
    assert result.exit_code == 2
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error.startswith(f"error: {tmp_path / 'in' / 'z.json'}: language: ") and "unknown language 'xx'" in error
    (tmp_path / "in" / "z.json").unlink()
    assert "8 created" in runner.invoke(app, ["ingest", str(tmp_path / "in")]).output, "part of it was stored before"


def test_a_file_that_is_not_utf8_is_one_line_of_bad_input(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(json.dumps(article(id="u-1")), "utf-8")
    latin1 = json.dumps(article(id="u-2", headline="Café Erbil"), ensure_ascii=False).encode("latin-1")
    (tmp_path / "latin1.json").write_bytes(latin1)
    result = runner.invoke(app, ["ingest", str(tmp_path)])
    assert result.exit_code == 2, result.output
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"error: {tmp_path / 'latin1.json'}: not UTF-8"), errors
    assert "Traceback" not in result.output
    assert "1 created" in runner.invoke(app, ["ingest", str(tmp_path / "good.json")]).output


def test_stdin_that_is_not_utf8_is_bad_input() -> None:
    latin1 = json.dumps(article(headline="Café"), ensure_ascii=False).encode("latin-1")
    result = runner.invoke(app, ["ingest", "-"], input=latin1)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: stdin: not UTF-8")


# --- secrets ----------------------------------------------------------------------------------


def test_config_masks_nested_secrets_and_url_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNDICATE_WEBSUB_HUBS", "https://user:hubpw@hub.example/,https://open.example/hub")
    monkeypatch.setenv(
        "SYNDICATE_TRANSLATION_OPENAI",
        json.dumps({"url": "http://u:llmpw@x.example/v1", "model": "m", "api_key": "sk-1"}),
    )
    monkeypatch.setenv("SYNDICATE_TRANSLATION_GOOGLE__API_KEY", "g-key-2")
    monkeypatch.setenv("SYNDICATE_TRANSLATION_LIBRETRANSLATE", json.dumps({"url": "https://tokenonly@lt.example/"}))
    monkeypatch.setenv("SYNDICATE_REDIS_URL", "redis://:redispw@redis.example:6379/1")
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 0, result.output
    for secret in ("hubpw", "llmpw", "sk-1", "g-key-2", "tokenonly", "redispw", "newsroom-secret", "SecretStr"):
        assert secret not in result.output, secret
    shown = json.loads(result.output)
    assert shown["websub_hubs"] == ["https://user:****@hub.example/", "https://open.example/hub"]
    assert shown["translation_openai"]["url"] == "http://u:****@x.example/v1"
    assert shown["translation_openai"]["api_key"] == "****" and shown["translation_openai"]["model"] == "m"
    assert shown["translation_google"]["api_key"] == "****"
    assert shown["translation_libretranslate"]["url"] == "https://****@lt.example/"
    assert shown["redis_url"] == "redis://:****@redis.example:6379/1"
    assert shown["newsroom_tokens"] == ["****"]


@pytest.fixture
def password_broker(settings: object, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real worker on the test's Redis database, reached through a URL with a password in it."""
    from celery.contrib.testing.worker import start_worker

    from workers.app import configure

    url = redis_url.replace("redis://", "redis://default:brokerpw@")  # Redis accepts any password for `default`
    monkeypatch.setenv("SYNDICATE_BROKER_URL", url)
    monkeypatch.setenv("SYNDICATE_RENDER_DEBOUNCE_SECONDS", "0.2")
    reset_settings()
    get_database()
    with start_worker(configure(get_settings()), pool="solo", perform_ping_check=False, queues=ALL_QUEUES.split(",")):
        yield url


@pytest.mark.redis
def test_run_summary_masks_the_broker_password(tmp_path: Path, password_broker: str) -> None:
    result = runner.invoke(
        app, ["run", str(EXAMPLES / "cn-88412.en.json"), "--out", str(tmp_path), "--broker", password_broker]
    )
    assert result.exit_code == 0, result.output
    assert "brokerpw" not in result.output
    assert "Celery workers via redis://default:****@127.0.0.1:6379/" in result.output
