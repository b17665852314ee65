"""Newsroom ingest and the article schema."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import select

from syndicate.api.auth import PUBLIC, Principal, Role, require
from syndicate.domain.article import article_json_schema
from syndicate.domain.prepare import MAX_DEPTH, too_deep
from syndicate.errors import NotFound, Problem, ValidationFailed
from syndicate.pipeline.ingest import Outcome
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.storage.db import get_database
from syndicate.storage.models import Article, ArticleVersion

router = APIRouter(tags=["articles"])
TOO_DEEP = f"invalid JSON: nested deeper than {MAX_DEPTH} levels"


@router.get("/v1/schema/article", summary="JSON Schema of an article document (public)", dependencies=[PUBLIC])
def schema() -> JSONResponse:
    return JSONResponse(article_json_schema(), media_type="application/schema+json")


@router.post(
    "/v1/articles",
    summary="Ingest one article version, or a list of them (role: newsroom)",
    responses={
        200: {"description": "no-op: same version again, or an older one"},
        201: {},
        409: {},
        413: {},
        422: {},
    },
)
async def post_articles(request: Request, _: Principal = Depends(require(Role.newsroom))) -> JSONResponse:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/json", "application/x-ndjson"):
        raise ValidationFailed([Problem("", "only application/json (or application/x-ndjson) is accepted")])
    raw = await request.body()
    sources = _sources(raw, content_type)
    settings = request.app.state.settings
    # The database work runs on a worker thread: a slow database must not stall the event loop
    # (and with it every other request of this process, /healthz included).
    results = await run_in_threadpool(ingest_sources, get_database(), request.app.state.dispatcher, settings, sources)
    body: Any = [r.as_dict() for r in results]
    single = len(results) == 1 and not raw.lstrip().startswith(b"[")
    status = 201 if any(r.outcome in (Outcome.created, Outcome.updated, Outcome.withdrawn) for r in results) else 200
    return JSONResponse(body[0] if single else body, status_code=status)


def _sources(raw: bytes, content_type: str) -> list[Source]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed([Problem("", f"body is not UTF-8: {exc.reason}")]) from None
    if content_type == "application/x-ndjson":
        lines = [line for line in text.splitlines() if line.strip()]
        return [_source(f"line {n}", line) for n, line in enumerate(lines, start=1)]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ValidationFailed([Problem("", f"invalid JSON: {exc.msg} at {where}")]) from None
    except RecursionError:
        raise ValidationFailed([Problem("", TOO_DEEP)]) from None
    if isinstance(data, list):
        if too_deep(data, MAX_DEPTH + 1):
            raise ValidationFailed([Problem("", TOO_DEEP)])
        return [
            Source(f"[{i}]", item, len(json.dumps(item, ensure_ascii=False).encode("utf-8", "surrogatepass")))
            for i, item in enumerate(data)
        ]
    return [Source("", data, len(raw))]


def _source(name: str, line: str) -> Source:
    try:
        return Source(name, json.loads(line), len(line.encode("utf-8", "surrogatepass")))
    except json.JSONDecodeError as exc:
        return Source(name, None, len(line), f"invalid JSON: {exc.msg}")
    except RecursionError:
        return Source(name, None, len(line), TOO_DEEP)


@router.get("/v1/articles/{newsroom_id}", summary="Stored versions of an article (role: newsroom or editor)")
def get_article(newsroom_id: str, _: Principal = Depends(require(Role.newsroom, Role.editor))) -> dict[str, Any]:
    with get_database().read() as session:
        article = session.scalar(select(Article).where(Article.newsroom_id == newsroom_id))
        if article is None:
            raise NotFound(f"no article {newsroom_id!r}")
        versions = session.scalars(
            select(ArticleVersion).where(ArticleVersion.article_id == article.id).order_by(ArticleVersion.version)
        ).all()
        return {
            "id": article.newsroom_id,
            "language": article.language,
            "status": article.status,
            "released": article.released,
            "current_version": article.current_version,
            "versions": [
                {
                    "version": v.version,
                    "status": v.status,
                    "processed": v.processed_at is not None,
                    "ingested_at": v.ingested_at.isoformat(),
                }
                for v in versions
            ],
        }
