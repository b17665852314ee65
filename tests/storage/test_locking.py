"""Locking reads see what other transactions committed, even over a copy already in the session."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.storage.db import Database, get_database, locked
from syndicate.storage.models import Feed

SOURCE = Path(__file__).resolve().parents[2] / "syndicate"


def test_a_locking_read_replaces_the_stale_copy_in_the_session(pg_url: str) -> None:
    db: Database = get_database(pg_url)
    with db.transaction() as session:
        session.add(Feed(key="en", language="en", kind="language", change_seq=1))
    with db.sessions() as mine, mine.begin():
        feed = mine.scalars(select(Feed).where(Feed.key == "en")).one()
        assert feed.change_seq == 1
        with Session(db.engine) as other, other.begin():  # commits while ``mine`` holds its copy
            other.scalars(select(Feed).where(Feed.key == "en")).one().change_seq = 2
        same = mine.scalars(locked(select(Feed).where(Feed.key == "en"))).one()
        assert same is feed and feed.change_seq == 2


def test_every_locking_read_goes_through_the_helper() -> None:
    raw = [
        f"{path.relative_to(SOURCE.parent)}:{n}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path.name != "db.py"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(r"\.with_for_update\(", line)
    ]
    assert raw == [], "use syndicate.storage.db.locked (populate_existing) for: " + ", ".join(raw)
