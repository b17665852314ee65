"""A feed rebuild reads by index only: its cost follows the feed's size, not the number of stored articles.

Every statement a rebuild sends on SQLite is explained (``EXPLAIN QUERY PLAN``)
with its own parameters: none may scan a whole table of articles, versions or
feed entries. SQLite plans without statistics, so a plan chosen here is the
plan a fresh production database gets (the rebuild once used the index on
``released``, true for nearly every row, and scanned every article).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.scenarios.rebuild import ours_rss, populate
from syndicate.storage.db import Database

TABLES = ("articles", "article_versions", "feed_entries", "stories")


def test_every_statement_of_a_rebuild_uses_an_index(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/rebuild.db")
    db.upgrade()
    feed_id = populate(db, 300)
    sent: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert b"</item>" in ours_rss(db, feed_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert sent, "the rebuild sent no query"
    scans = []
    with db.engine.connect() as conn:
        for statement, parameters in sent:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            details = [row[-1] for row in plan]
            scans += [(d, statement[:200]) for d in details if d.startswith("SCAN") and d.split()[1] in TABLES]
            scans += [(d, statement[:200]) for d in details if "ix_articles_released" in d]
    db.dispose()
    assert scans == [], scans
