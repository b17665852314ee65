"""The partner pull API (role: partner, bearer API key): a cursor over its items, and single items.

Every request, refused ones included, is written to the access audit; each
partner has its own rate limit (``SYNDICATE_PARTNER_RATE_LIMIT`` per minute).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from syndicate.api.auth import Principal, Role, require
from syndicate.errors import RateLimited, SyndicateError
from syndicate.partners import keys, pull
from syndicate.partners.render import negotiate
from syndicate.partners.tables import Partner, as_list
from syndicate.storage.db import get_database
from syndicate.storage.types import utcnow

log = logging.getLogger("syndicate.api.partner")
PREFIX = "/v1/partner"


def resolve_partner(request: Request, token: str) -> Principal | None:
    """The ``partner_resolver`` of ``syndicate.api.auth``: a partner API key to a principal."""
    prefix = keys.split(token)
    request.state.key_prefix = prefix
    with get_database().read() as session:
        found = keys.verify(session, token)
        if found is None:
            # Refused (wrong secret, revoked, expired): the audit still names whose key it was.
            request.state.audit_partner_id = keys.owner(session, prefix) if prefix else None
            return None
    partner, _key = found
    return Principal(Role.partner, partner.name, partner_id=partner.id)


def _audit(request: Request, status: int) -> None:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None and principal.role == Role.partner:
        partner_id = principal.partner_id
    else:
        partner_id = getattr(request.state, "audit_partner_id", None)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        with get_database().transaction() as session:
            pull.record_access(
                session,
                partner_id=partner_id,
                key_prefix=getattr(request.state, "key_prefix", None),
                method=request.method,
                path=path,
                status=status,
                remote=request.client.host if request.client else None,
                at=utcnow(),
            )
    except Exception:  # the audit must not turn an answer into an error, but it must be seen
        log.exception("could not record partner access", extra={"path": path, "status": status})


class AuditedRoute(APIRoute):
    """Records every request to the route with the status it ended with."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def audited(request: Request) -> Response:
            status = 500
            try:
                response = await handler(request)
                status = response.status_code
                return response
            except SyndicateError as exc:
                status = exc.http_status
                raise
            except HTTPException as exc:
                status = exc.status_code
                raise
            except RequestValidationError:
                status = 422
                raise
            finally:
                await run_in_threadpool(_audit, request, status)

        return audited


router = APIRouter(prefix=PREFIX, tags=["partner"], route_class=AuditedRoute)


def partner_access(request: Request, principal: Principal = Depends(require(Role.partner))) -> Principal:
    """The caller is a partner within its rate limit."""
    settings = request.app.state.settings
    wait = request.app.state.partner_limiter.hit(f"partner:{principal.partner_id}", settings.partner_rate_limit, 60.0)
    if wait > 0:
        raise RateLimited(wait)
    return principal


def _format(partner: Partner, accept: str | None, requested: str | None) -> str:
    formats = as_list(partner.formats)
    fmt = negotiate(accept, requested, formats)
    if fmt is None:
        raise HTTPException(406, detail=f"formats available to this partner: {', '.join(formats)}")
    return fmt


@router.get("/items", summary="Items after a cursor, in sequence order (role: partner)")
def list_items(
    request: Request,
    since: str | None = Query(None, description="The `next` of the previous page; omit to start at the beginning"),
    limit: int = Query(50, ge=1, le=1000, description="Most items in this page"),
    language: str | None = Query(None, description="Only this language"),
    section: str | None = Query(None, description="Only this section"),
    fmt: str | None = Query(None, alias="format", description="ninjs or newsml (default: the partner's first)"),
    principal: Principal = Depends(partner_access),
) -> JSONResponse:
    cursor = pull.parse_cursor(since)
    with get_database().read() as session:
        partner = session.get(Partner, principal.partner_id)
        assert partner is not None
        result = pull.page(
            session,
            request.app.state.settings,
            partner,
            since=cursor,
            limit=limit,
            fmt=_format(partner, None, fmt),
            language=language,
            section=section,
            api_prefix=PREFIX,
        )
    return JSONResponse(result.as_dict(), headers={"Cache-Control": "no-store"})


@router.get(
    "/items/{newsroom_id}",
    summary="One item, the latest version or ?version=, as ninjs or NewsML-G2 (role: partner)",
    responses={304: {}, 403: {}, 404: {}, 406: {}, 429: {}},
)
def get_item(
    request: Request,
    newsroom_id: str,
    version: int | None = Query(None, ge=1, le=1_000_000),
    fmt: str | None = Query(None, alias="format", description="ninjs or newsml; else the Accept header decides"),
    principal: Principal = Depends(partner_access),
) -> Response:
    with get_database().read() as session:
        partner = session.get(Partner, principal.partner_id)
        assert partner is not None
        chosen = _format(partner, request.headers.get("accept"), fmt)
        rendered, _ = pull.item(session, request.app.state.settings, partner, newsroom_id, version=version, fmt=chosen)
    headers = {"ETag": rendered.etag, "Cache-Control": "private, no-cache", "Vary": "Accept, Authorization"}
    if_none_match = request.headers.get("if-none-match", "")
    if rendered.etag in {tag.strip() for tag in if_none_match.split(",")} or if_none_match.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, media_type=rendered.content_type, headers=headers)
