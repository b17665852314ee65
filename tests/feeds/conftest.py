"""A small publishing desk for feed tests: ingest documents, run the steps in process, read stored feeds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, update

from syndicate.pipeline.run import LocalQueue, run_step
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.settings import Settings, get_settings, reset_settings
from syndicate.storage.db import Database, get_database
from syndicate.storage.models import Article, ArticleVersion, Feed, FeedDocument


@dataclass
class Desk:
    db: Database
    queue: LocalQueue

    @property
    def settings(self) -> Settings:
        return get_settings()

    def publish(self, *docs: dict[str, Any], drain: bool = True) -> list[Any]:
        sources = [Source(f"doc{i}", d, 100) for i, d in enumerate(docs)]
        results = ingest_sources(self.db, self.queue, self.settings, sources)
        if drain:
            self.drain()
        return results

    def drain(self) -> int:
        return self.queue.drain()

    def set_article(self, newsroom_id: str, **values: Any) -> None:
        """Change an article's row; ``machine_translated`` goes to its versions too (where feeds read it)."""
        with self.db.transaction() as session:
            session.execute(update(Article).where(Article.newsroom_id == newsroom_id).values(**values))
            if "machine_translated" in values:
                article = select(Article.id).where(Article.newsroom_id == newsroom_id).scalar_subquery()
                session.execute(
                    update(ArticleVersion)
                    .where(ArticleVersion.article_id == article)
                    .values(machine_translated=values["machine_translated"])
                )

    def feed(self, key: str) -> Feed:
        with self.db.read() as session:
            return session.scalars(select(Feed).where(Feed.key == key)).one()

    def document(self, key: str, fmt: str, page: int = 0) -> FeedDocument | None:
        with self.db.read() as session:
            feed = session.scalars(select(Feed).where(Feed.key == key)).one()
            return session.get(FeedDocument, (feed.id, fmt, page))

    def body(self, key: str, fmt: str, page: int = 0) -> bytes:
        doc = self.document(key, fmt, page)
        assert doc is not None, f"no {fmt} document for {key} page {page}"
        return doc.body

    def feeds(self) -> list[Feed]:
        with self.db.read() as session:
            return list(session.scalars(select(Feed).order_by(Feed.key)))


def configure(monkeypatch: pytest.MonkeyPatch, **values: Any) -> Settings:
    for name, value in values.items():
        monkeypatch.setenv(f"SYNDICATE_{name.upper()}", str(value))
    reset_settings()
    return get_settings()


@pytest.fixture
def desk(settings: Settings) -> Iterator[Desk]:
    """Steps run in this process, in order, when ``drain`` is called (the same functions Celery runs)."""
    db = get_database()
    holder: dict[str, LocalQueue] = {}
    queue = LocalQueue(lambda step, ids: run_step(db, holder["q"], get_settings(), step, ids))
    holder["q"] = queue
    yield Desk(db, queue)
