"""The walking skeleton end to end: newsroom → real Celery worker over real Redis → feeds and ninjs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from syndicate.cli.run import RunSummary, export_all, pending_steps, run_embedded
from syndicate.payloads.build import FORMATS
from syndicate.pipeline.service import ingest_sources, read_sources
from syndicate.settings import Settings
from syndicate.storage.db import Database, get_database
from syndicate.storage.models import Feed, FeedDocument, Payload
from tests.helpers import EXAMPLES, assert_valid_ninjs, parse_feed

pytestmark = pytest.mark.slow


def wait_idle(db: Database, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while pending_steps(db):
        assert time.monotonic() < deadline, f"{pending_steps(db)} steps still pending"
        time.sleep(0.1)


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_article_reaches_feed_and_partner_payload_through_real_worker(
    celery_worker: object, broker_settings: Settings, tmp_path: Path
) -> None:
    from workers.dispatch import dispatcher

    db = get_database()
    results = ingest_sources(db, dispatcher(), broker_settings, read_sources(str(EXAMPLES / "cn-88412.en.json")))
    assert [str(r.outcome) for r in results] == ["created"]
    wait_idle(db)

    with db.read() as session:
        feed = session.scalars(select(Feed).where(Feed.key == "en")).one()
        rss = session.get(FeedDocument, (feed.id, "rss", 0))
        atom = session.get(FeedDocument, (feed.id, "atom", 0))
        payload = session.scalars(select(Payload).where(Payload.format == "ninjs")).one()
    for doc, ctype in ((rss, "application/rss+xml"), (atom, "application/atom+xml")):
        assert doc is not None
        parsed = parse_feed(doc.body, ctype)
        titles = [e.title for e in parsed.entries]
        assert titles == ["Erbil water project to serve 400,000 residents by summer"]
        assert parsed.entries[0].id == "tag:chira.example,2020:cn-88412"
    item = assert_valid_ninjs(payload.body)
    assert item["language"] == "en" and item["version"] == "1" and item["pubstatus"] == "usable"


def test_celery_and_embedded_runs_give_identical_feeds(
    celery_worker: object, broker_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syndicate.settings import get_settings, reset_settings
    from syndicate.storage.db import Database
    from workers.dispatch import dispatcher

    # Through the real worker, on the test's database (SQLite or PostgreSQL).
    db = get_database()
    results = ingest_sources(db, dispatcher(), broker_settings, read_sources(str(EXAMPLES)))
    assert len(results) == len(list(EXAMPLES.glob("*.json")))
    wait_idle(db)
    export_all(db, RunSummary(results), tmp_path / "celery")

    # The embedded default: no broker, a fresh SQLite file, the same tasks in-process.
    monkeypatch.delenv("SYNDICATE_BROKER_URL")
    monkeypatch.setenv("SYNDICATE_DATABASE_URL", f"sqlite:///{tmp_path}/embedded.db")
    reset_settings()
    embedded_db = Database(get_settings().database_url)
    embedded_db.upgrade()
    summary = run_embedded(embedded_db, get_settings(), str(EXAMPLES))
    export_all(embedded_db, summary, tmp_path / "embedded")

    celery_files = files(tmp_path / "celery" / "feeds")
    embedded_files = files(tmp_path / "embedded" / "feeds")
    assert celery_files.keys() == embedded_files.keys()
    assert len(celery_files) > 10
    different = [name for name in celery_files if celery_files[name] != embedded_files[name]]
    assert not different, f"feeds differ between Celery and in-process runs: {different}"
    with embedded_db.read() as session:
        # one payload per version and format (ninjs, NewsML-G2)
        assert session.scalar(select(func.count()).select_from(Payload)) == len(FORMATS) * len(results)


def test_cli_run_with_broker_goes_through_real_workers(
    celery_worker: object, broker_settings: Settings, tmp_path: Path
) -> None:
    """``syndicate run --broker`` ingests in the CLI process; the real worker does the steps."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k.startswith(("SYNDICATE_", "PATH", "HOME"))}
    proc = subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", "run", str(EXAMPLES), "--out", str(tmp_path / "out"),
         "--broker", broker_settings.broker_url or "", "--timeout", "120"],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Celery workers via" in proc.stdout
    parsed = parse_feed((tmp_path / "out" / "feeds" / "ckb" / "rss.xml").read_bytes(), "application/rss+xml")
    assert len(parsed.entries) == 3
    with get_database().read() as session:
        assert pending_steps(get_database()) == 0
        assert session.scalar(select(func.count()).select_from(Payload)) > 0
