"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from syndicate.storage.db import get_database

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up (public)")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Database and broker reachable (public)")
def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with get_database().read() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    url = request.app.state.settings.effective_redis_url
    if url:
        try:
            import redis

            redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"error: {type(exc).__name__}"
    else:
        checks["broker"] = "not configured (in-process)"
    ready = all(v == "ok" or v.startswith("not configured") for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
    )


@router.get("/metrics", summary="Prometheus metrics (public)")
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
