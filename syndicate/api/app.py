"""The FastAPI application factory and the mapping of library errors to HTTP."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from syndicate import __version__
from syndicate.api.limits import BodyLimit
from syndicate.api.ratelimit import limiter_for
from syndicate.api.routes import admin_partners, article_urls, articles, feeds, health, partner, translation
from syndicate.errors import RateLimited, SyndicateError, ValidationFailed
from syndicate.pipeline.outbox import Dispatcher
from syndicate.pipeline.run import InlineDispatcher
from syndicate.settings import Settings, get_settings
from syndicate.storage.db import get_database

log = logging.getLogger("syndicate.api")


def default_dispatcher(settings: Settings) -> Dispatcher:
    """Celery when a broker is configured, otherwise run steps inline after each commit."""
    if settings.broker_url:
        from workers.dispatch import dispatcher  # composition root: the only place the API meets Celery

        return dispatcher()
    return InlineDispatcher(get_database(), settings)


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
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)

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

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]} for e in exc.errors()
        ]
        return JSONResponse({"detail": "invalid request", "problems": problems}, status_code=422)

    # article_urls last: its /{lang}/... shape must not shadow other routers.
    for module in (health, articles, feeds, partner, admin_partners, translation, article_urls):
        app.include_router(module.router)
    return app
