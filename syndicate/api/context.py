"""Request context for logs, as a pure ASGI middleware (no per-request task or body buffering)."""

from __future__ import annotations

import uuid

from starlette.types import ASGIApp, Receive, Scope, Send

from syndicate.logs import log_context


class RequestContext:
    """Every log line written while serving a request carries its id, method and path."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or []).get(b"x-request-id", b"")[:64].decode("latin-1")
        request_id = sent if sent.isprintable() and sent else uuid.uuid4().hex[:16]
        with log_context(request_id=request_id, method=scope.get("method"), path=str(scope.get("path", ""))[:200]):
            await self.app(scope, receive, send)
