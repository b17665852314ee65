"""The FastAPI application factory and the mapping of library errors to HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from syndicate import __version__
from syndicate.api.context import RequestContext
from syndicate.api.feedcache import FeedCache, FeedCacheMiddleware
from syndicate.api.limits import BodyLimit
from syndicate.api.ratelimit import limiter_for
from syndicate.api.routes import admin_partners, article_urls, articles, feeds, health, partner, translation
from syndicate.errors import RateLimited, SyndicateError, ValidationFailed
from syndicate.logs import setup_logging
from syndicate.pipeline.outbox import Dispatcher
from syndicate.pipeline.run import InlineDispatcher
from syndicate.settings import Settings, get_settings
from syndicate.storage.db import get_database
from syndicate.web.templating import STATIC_DIR, STATIC_PREFIX

log = logging.getLogger("syndicate.api")


def default_dispatcher(settings: Settings) -> Dispatcher:
    """Celery when a broker is configured, otherwise run steps inline after each commit."""
    if settings.broker_url:
        from workers.dispatch import dispatcher  # composition root: the only place the API meets Celery

        return dispatcher()
    return InlineDispatcher(get_database(), settings)


def unavailable(exc: BaseException) -> bool:
    """The database could not be reached (as opposed to refusing what we asked of it)."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def default_queue_depths(settings: Settings) -> Callable[[], dict[str, int]] | None:
    """Reads the Celery queues' depths from a Redis broker; None without one."""
    from workers.queues import broker_redis_url  # composition root, as above (Redis only, no Celery app)

    url = broker_redis_url(settings)
    if url is None:
        return None
    from workers.queues import queue_depths

    queues = ("ingest", "translate", "render", "deliver", "maintenance")
    return lambda: queue_depths(url, queues)


def serve_app() -> FastAPI:
    """The app as ``syndicate serve`` runs it (uvicorn factory, one per worker process): logs configured."""
    settings = get_settings()
    setup_logging(settings.log_level, settings.log_json)
    return create_app(settings)


def create_app(settings: Settings | None = None, dispatcher: Dispatcher | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="syndicate",
        version=__version__,
        description="Multilingual publishing and syndication: ingest, feeds and partner payloads.",
    )
    app.state.settings = settings
    app.state.dispatcher = dispatcher or default_dispatcher(settings)
    app.state.partner_resolver = partner.resolve_partner
    app.state.partner_limiter = limiter_for(settings)
    app.state.queue_depths = default_queue_depths(settings)
    app.state.metrics_registry = health.metrics_registry(settings, app.state.queue_depths)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestContext)
    # Outermost: a reader's poll of a cached feed never reaches routing, logging context or the database.
    app.state.feed_cache = FeedCache(settings.feed_cache_seconds)
    app.add_middleware(FeedCacheMiddleware, cache=app.state.feed_cache)

    @app.exception_handler(SyndicateError)
    async def _library_error(request: Request, exc: SyndicateError) -> JSONResponse:
        body: dict[str, Any] = {"detail": str(exc)}
        headers = {}
        if isinstance(exc, ValidationFailed):
            body["problems"] = [{"field": p.field, "message": p.message} for p in exc.problems]
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(max(1, int(exc.retry_after + 0.999)))
        if exc.http_status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(body, status_code=exc.http_status, headers=headers)

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        if not unavailable(exc):
            raise exc  # a real bug (bad data, a violated constraint): a 500 that must be seen
        # The database is unreachable or refused the connection: nothing was stored, try again.
        log.error("database unavailable", extra={"error": repr(exc)[:500]})
        return JSONResponse(
            {"detail": "the database is unavailable; try again"}, status_code=503, headers={"Retry-After": "5"}
        )

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]} for e in exc.errors()
        ]
        return JSONResponse({"detail": "invalid request", "problems": problems}, status_code=422)

    # article_urls last: its /{lang}/... shape must not shadow other routers.
    for module in (health, articles, feeds, partner, admin_partners, translation, article_urls):
        app.include_router(module.router)
    # Fonts, styles and scripts of the HTML pages: vendored, served by the app (no CDN).
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="static")
    return app
