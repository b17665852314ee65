"""The unit of work sends its messages only after its transaction commits: a failed commit sends nothing.

The commit fails for real, in the database, after every statement of the transaction succeeded: on SQLite
a foreign key checked only at COMMIT (``PRAGMA defer_foreign_keys``), on PostgreSQL a deferred constraint
trigger that raises at COMMIT.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from syndicate.domain.prepare import parse_document
from syndicate.pipeline.ingest import ingest
from syndicate.pipeline.outbox import Message, unit_of_work
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, OutboxMessage, Payload
from tests.helpers import article


class Spy:
    def __init__(self) -> None:
        self.sends: list[list[Message]] = []

    def send(self, messages: Sequence[Message]) -> None:
        self.sends.append(list(messages))


def refuse_the_commit(session: Session) -> None:
    """Arrange for this transaction's COMMIT (and only it) to fail."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
        session.add(Payload(version_id=10**9, format="ninjs", body="{}"))  # no such version: checked at COMMIT
        return
    session.execute(
        text(
            "CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'commit refused'; END $$"
        )
    )
    session.execute(
        text(
            "CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON outbox DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW EXECUTE FUNCTION refuse_commit()"
        )
    )


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_nothing_is_sent_when_the_commit_fails(db: Database, settings: Settings) -> None:
    doc = parse_document(article(), max_bytes=settings.max_article_bytes)
    spy = Spy()
    owed: list[Message] = []
    with pytest.raises(DBAPIError), unit_of_work(db, spy, settings.step_deadline_seconds) as uow:
        refuse_the_commit(uow.session)
        ingest(uow, doc)
        uow.session.flush()  # every statement went through: only the commit is left to fail
        owed = list(uow.messages)
    assert [m.step for m in owed] == ["process"], "the transaction owed nothing: the test proves nothing"
    assert spy.sends == []
    assert count(db, Article) == 0 and count(db, OutboxMessage) == 0

    # The same work with a commit that succeeds sends what it owes, once, after the commit.
    with unit_of_work(db, spy, settings.step_deadline_seconds) as uow:
        ingest(uow, doc)
        assert spy.sends == []
    with db.read() as session:
        version_id = session.scalars(select(ArticleVersion.id)).one()
    assert spy.sends == [[Message("process", version_id)]]
