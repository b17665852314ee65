"""Liveness, readiness and metrics (all public: they say how the service is, never what it holds)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy import text

from syndicate.api.auth import PUBLIC
from syndicate.observability.backlog import current
from syndicate.storage.db import MIGRATIONS, get_database

router = APIRouter(tags=["health"], dependencies=[PUBLIC])


@lru_cache(maxsize=1)
def schema_head() -> str | None:
    """The newest migration this code knows (the database must be there to be ready)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def _database() -> str:
    try:
        with get_database().read() as session:
            session.execute(text("SELECT 1"))
            revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # readiness reports, it does not raise
        return f"error: {type(exc).__name__}"
    head = schema_head()
    return "ok" if revision == head else f"error: schema at {revision}, code expects {head}"


def _ping(url: str) -> str:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def _redis_checks(request: Request) -> dict[str, str]:
    """The broker (when it is Redis), and the Redis of locks and debounce when it is another one."""
    settings = request.app.state.settings
    broker = settings.broker_url
    if not broker:
        return {"broker": "not configured (in-process)"}
    checks = {"broker": _ping(broker) if broker.startswith(("redis://", "rediss://", "unix://")) else "not checked"}
    if settings.redis_url and settings.redis_url != broker:
        checks["redis"] = _ping(settings.redis_url)
    return checks


@router.get("/healthz", summary="The process is up (public)")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Database (at the current schema) and broker reachable; queue bounds (public)")
def readyz(request: Request) -> JSONResponse:
    checks = {"database": _database(), **_redis_checks(request)}
    ready = all(v == "ok" or v.startswith("not ") for v in checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "unavailable", "checks": checks}
    reader = request.app.state.queue_depths
    if ready and reader is not None:
        try:
            depths = reader()
        except Exception as exc:
            body["queues"] = {"error": type(exc).__name__}
        else:
            bound = request.app.state.settings.queue_max_depth
            over = {q: n for q, n in depths.items() if q != "unacked" and bound > 0 and n >= bound}
            body["queues"] = {"depths": depths, "bound": bound, "over_bound": over}
            if over:
                # Still ready: ingest keeps storing; the outbox holds the work until the queues drain.
                body["status"] = "ready, queues over their bound"
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics (public)")
async def metrics(request: Request) -> Response:
    # This process's counters, then the service-wide gauges read now from the database and Redis.
    ours = await run_in_threadpool(generate_latest, request.app.state.metrics_registry)
    return Response(generate_latest(REGISTRY) + ours, media_type=CONTENT_TYPE_LATEST)


def metrics_registry(settings: Any, queue_depths: Any) -> Any:
    """The per-app registry behind ``/metrics`` (built by ``create_app``)."""
    from syndicate.observability.collector import registry_for

    return registry_for(lambda: current(get_database(), settings, queue_depths))
