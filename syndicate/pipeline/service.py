"""Ingest entry points shared by the API and the CLI.

A batch is all-or-nothing. Every document is validated first; then the whole
batch is stored in one transaction, so a problem found only while storing
(the same version with other content, a withdrawal of an unknown article, a
language that contradicts the stored article) rolls back the documents before
it too, and no next step is sent. The CLI takes folders of any size: it
validates all of them, then stores them in batches of ``max_batch_items``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from syndicate.domain.article import Article, Withdrawal
from syndicate.domain.prepare import parse_document
from syndicate.errors import Conflict, Problem, SyndicateError, TooLarge, ValidationFailed
from syndicate.logs import log_context
from syndicate.metrics import ARTICLES_INGESTED
from syndicate.pipeline.ingest import IngestResult, ingest
from syndicate.pipeline.outbox import DeferredFeeds, Dispatcher, UnitOfWork, unit_of_work
from syndicate.pipeline.publish import settle_feeds
from syndicate.settings import Settings
from syndicate.storage import models
from syndicate.storage.db import Database, locked

# A batch lost to a race (a deadlock with another writer's feed or article locks) is stored again from scratch.
STORE_ATTEMPTS = 3
_RETRY_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


@dataclass(frozen=True)
class Source:
    """Where a raw document came from (file and line), for error messages."""

    name: str
    raw: Any
    size: int
    error: str | None = None  # the document could not be read or parsed


@dataclass(frozen=True)
class Parsed:
    """A validated, cleaned document and the name of its source."""

    name: str
    doc: Article | Withdrawal


def _prefixed(where: str, problems: list[Problem]) -> list[Problem]:
    return [Problem(f"{where}: {p.field}" if p.field else where, p.message) for p in problems]


def validate_all(sources: Iterable[Source], settings: Settings, *, limit: int | None) -> list[Parsed]:
    """Validate every document first, so a bad one stores nothing at all.

    ``limit`` caps the number of documents (one HTTP request: ``max_batch_items``); None accepts any number.
    """
    parsed: list[Parsed] = []
    problems: list[Problem] = []
    too_large = False
    items = list(sources)
    if limit is not None and len(items) > limit:
        raise TooLarge([Problem("", f"{len(items)} articles in one batch; the limit is {limit}")])
    for src in items:
        if src.error:
            problems.append(Problem(src.name, src.error))
            continue
        try:
            parsed.append(
                Parsed(src.name, parse_document(src.raw, max_bytes=settings.max_article_bytes, size=src.size))
            )
        except ValidationFailed as exc:
            too_large = too_large or isinstance(exc, TooLarge)
            problems += _prefixed(src.name, exc.problems) if len(items) > 1 else exc.problems
    if problems:
        raise (TooLarge if too_large and len(items) == 1 else ValidationFailed)(problems)
    return parsed


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True  # two writers created the same article at once; the next attempt sees it
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _RETRY_SQLSTATES


def _lock_key(newsroom_id: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(f"article:{newsroom_id}".encode(), digest_size=8).digest(), "big", signed=True
    )


def _lock_articles(session: Session, ids: Iterable[str]) -> None:
    """Take the batch's articles up front, in one order for every writer, so batches do not deadlock.

    On PostgreSQL a transaction-scoped advisory lock per newsroom id also
    covers articles not stored yet: two batches creating the same article
    queue instead of colliding on the unique index. SQLite has one writer.
    """
    wanted = sorted(set(ids))
    if not wanted or session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({_lock_key(i) for i in wanted})
    # Volatile functions in the select list run after the sort: the locks are taken in key order.
    session.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k"), {"keys": keys}
    )
    session.execute(
        locked(
            select(models.Article.id).where(models.Article.newsroom_id.in_(wanted)).order_by(models.Article.newsroom_id)
        )
    )


def _store_one(uow: UnitOfWork, item: Parsed, *, named: bool) -> IngestResult:
    doc = item.doc
    with log_context(article=doc.id, version=doc.version, language=getattr(doc, "language", None)):
        try:
            return ingest(uow, doc)
        except ValidationFailed as exc:
            if named:
                raise type(exc)(_prefixed(item.name, exc.problems)) from None
            raise
        except Conflict as exc:
            if named:
                raise type(exc)(f"{item.name}: {exc}") from None
            raise


def store_batch(
    db: Database, dispatcher: Dispatcher, settings: Settings, batch: Sequence[Parsed]
) -> list[IngestResult]:
    """Store validated documents in one transaction: all of them or none; next steps go out after the commit."""
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            with unit_of_work(db, dispatcher, settings.step_deadline_seconds) as uow:
                _lock_articles(uow.session, (item.doc.id for item in batch))
                uow.deferred = DeferredFeeds()
                results = [_store_one(uow, item, named=len(batch) > 1) for item in batch]
                settle_feeds(uow)
        except (IntegrityError, OperationalError) as exc:
            if attempt == STORE_ATTEMPTS or not _retryable(exc):
                raise
            continue
        for result in results:
            ARTICLES_INGESTED.labels(outcome=str(result.outcome)).inc()
        return results
    raise AssertionError("unreachable")


def ingest_sources(
    db: Database, dispatcher: Dispatcher, settings: Settings, sources: Iterable[Source]
) -> list[IngestResult]:
    """One batch (an HTTP request): at most ``max_batch_items`` documents, stored all-or-nothing."""
    return store_batch(db, dispatcher, settings, validate_all(sources, settings, limit=settings.max_batch_items))


def ingest_in_batches(
    db: Database, dispatcher: Dispatcher, settings: Settings, sources: Iterable[Source]
) -> list[IngestResult]:
    """Any number of documents (the CLI): all validated first, then stored in batches of ``max_batch_items``.

    Nothing is stored when any document is invalid. A problem found while
    storing stops at that batch: earlier batches stay stored, and the error
    says how many documents they held.
    """
    items = validate_all(sources, settings, limit=None)
    size = max(1, settings.max_batch_items)
    results: list[IngestResult] = []
    for start in range(0, len(items), size):
        try:
            results += store_batch(db, dispatcher, settings, items[start : start + size])
        except SyndicateError as exc:
            if start:
                raise _partly_stored(exc, start, len(items)) from exc
            raise
    return results


def _partly_stored(exc: SyndicateError, stored: int, total: int) -> SyndicateError:
    note = f"the first {stored} of {total} documents were stored (in earlier batches); none from this batch on"
    if isinstance(exc, ValidationFailed):
        return type(exc)([*exc.problems, Problem("", note)])
    if isinstance(exc, Conflict):
        return type(exc)(f"{exc}; {note}")
    return exc


def read_sources(path: str, stdin_text: str | None = None) -> Iterator[Source]:
    """JSON files (a file or a folder of them), or JSON Lines on stdin (``-``)."""
    if path == "-":
        assert stdin_text is not None
        for number, line in enumerate(stdin_text.splitlines(), start=1):
            if line.strip():
                yield _parse(f"stdin:{number}", line)
        return
    p = Path(path)
    if not p.exists():
        raise ValidationFailed([Problem(path, "no such file or folder")])
    files = sorted(f for f in p.rglob("*.json") if f.is_file()) if p.is_dir() else [p]
    for f in files:
        try:
            text = f.read_text("utf-8")
        except UnicodeDecodeError as exc:
            yield Source(str(f), None, 0, f"not UTF-8: {exc.reason} at byte {exc.start}")
            continue
        except OSError as exc:
            yield Source(str(f), None, 0, f"cannot be read: {exc.strerror or exc}")
            continue
        if f.suffix == ".jsonl":
            for number, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    yield _parse(f"{f}:{number}", line)
        else:
            yield _parse(str(f), text)


def _parse(name: str, text: str) -> Source:
    size = len(text.encode("utf-8", "surrogatepass"))
    try:
        return Source(name, json.loads(text), size)
    except json.JSONDecodeError as exc:
        return Source(name, None, size, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        return Source(name, None, size, "invalid JSON: nested too deeply")
