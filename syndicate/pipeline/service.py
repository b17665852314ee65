"""Ingest entry points shared by the API and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from syndicate.domain.article import Article, Withdrawal
from syndicate.domain.prepare import parse_document
from syndicate.errors import Problem, TooLarge, ValidationFailed
from syndicate.logs import log_context
from syndicate.metrics import ARTICLES_INGESTED
from syndicate.pipeline.ingest import IngestResult, ingest
from syndicate.pipeline.outbox import BufferedDispatcher, Dispatcher, unit_of_work
from syndicate.settings import Settings
from syndicate.storage.db import Database


@dataclass(frozen=True)
class Source:
    """Where a raw document came from (file and line), for error messages."""

    name: str
    raw: Any
    size: int
    error: str | None = None  # the JSON could not be parsed


def _prefixed(where: str, problems: list[Problem]) -> list[Problem]:
    return [Problem(f"{where}: {p.field}" if p.field else where, p.message) for p in problems]


def validate_all(sources: Iterable[Source], settings: Settings) -> list[Article | Withdrawal]:
    """Validate every document first, so a bad one stores nothing at all."""
    docs: list[Article | Withdrawal] = []
    problems: list[Problem] = []
    too_large = False
    items = list(sources)
    if len(items) > settings.max_batch_items:
        raise TooLarge([Problem("", f"{len(items)} articles in one batch; the limit is {settings.max_batch_items}")])
    for src in items:
        if src.error:
            problems.append(Problem(src.name, src.error))
            continue
        try:
            docs.append(parse_document(src.raw, max_bytes=settings.max_article_bytes, size=src.size))
        except ValidationFailed as exc:
            too_large = too_large or isinstance(exc, TooLarge)
            problems += _prefixed(src.name, exc.problems) if len(items) > 1 else exc.problems
    if problems:
        raise (TooLarge if too_large and len(items) == 1 else ValidationFailed)(problems)
    return docs


def store(db: Database, dispatcher: Dispatcher, settings: Settings, doc: Article | Withdrawal) -> IngestResult:
    """Store one validated document in its own transaction (retried once on a create race)."""
    for attempt in (1, 2):
        try:
            with (
                log_context(article=doc.id, version=doc.version, language=getattr(doc, "language", None)),
                unit_of_work(db, dispatcher, settings.step_deadline_seconds) as uow,
            ):
                result = ingest(uow, doc)
            ARTICLES_INGESTED.labels(outcome=str(result.outcome)).inc()
            return result
        except IntegrityError:
            # Two writers created the same article at once; the second sees it on retry.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def ingest_sources(
    db: Database, dispatcher: Dispatcher, settings: Settings, sources: Iterable[Source]
) -> list[IngestResult]:
    """Validate everything, then store each document; next steps go out in batches."""
    docs = validate_all(sources, settings)
    buffered = BufferedDispatcher(dispatcher)
    try:
        return [store(db, buffered, settings, doc) for doc in docs]
    finally:
        buffered.flush()


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
        if f.suffix == ".jsonl":
            for number, line in enumerate(f.read_text("utf-8").splitlines(), start=1):
                if line.strip():
                    yield _parse(f"{f}:{number}", line)
        else:
            yield _parse(str(f), f.read_text("utf-8"))


def _parse(name: str, text: str) -> Source:
    size = len(text.encode("utf-8", "surrogatepass"))
    try:
        return Source(name, json.loads(text), size)
    except json.JSONDecodeError as exc:
        return Source(name, None, size, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        return Source(name, None, size, "invalid JSON: nested too deeply")
