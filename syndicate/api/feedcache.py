"""Stored feed documents answered from memory: the hot path of ``GET /feeds/...``.

Readers poll feeds far more often than feeds change, and most polls are
conditional. Each API process keeps the representations it served last and
answers GET and HEAD for them at the ASGI layer, before any routing. An entry
is trusted for ``feed_cache_seconds``; the first request after that goes
through the route, which reads the database and refreshes the entry. A reader
therefore sees a rebuilt feed at most that long after it was committed (on top
of the rebuild's own debounce), and the database sees one read per document,
process and interval, whatever the polling rate.

The route and the cache answer through the same function, :func:`negotiate`,
so a cached answer is byte for byte the answer the route would give.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/feeds/"
Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Representation:
    """One stored document with everything its HTTP answers need, computed once."""

    body: bytes
    etag: str
    gzip_body: bytes | None
    gzip_etag: str | None
    last_modified: datetime
    media_type: str
    cache_control: str
    links: tuple[str, ...] = ()
    http_date: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "http_date", format_datetime(self.last_modified, usegmt=True))

    def headers(self, packed: bool) -> Headers:
        out = [
            ("ETag", self.gzip_etag if packed and self.gzip_etag else self.etag),
            ("Last-Modified", self.http_date),
            ("Cache-Control", self.cache_control),
            ("Vary", "Accept-Encoding"),
        ]
        if self.links:
            out.append(("Link", ", ".join(self.links)))
        return out


def accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


def _etags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def not_modified(rep: Representation, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present; else If-Modified-Since."""
    if if_none_match is not None:
        sent = _etags(if_none_match)
        return "*" in sent or bool(sent & ({rep.etag, rep.gzip_etag} - {None}))
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since is not None and since.tzinfo is not None and rep.last_modified <= since
    return False


def negotiate(
    rep: Representation, *, if_none_match: str | None, if_modified_since: str | None, accept_encoding: str | None
) -> tuple[int, Headers, bytes]:
    """Status, headers and body of the answer to a GET for ``rep`` (HEAD drops the body)."""
    packed = rep.gzip_body is not None and accepts_gzip(accept_encoding)
    headers = rep.headers(packed)
    if not_modified(rep, if_none_match, if_modified_since):
        return 304, headers, b""
    body = rep.gzip_body if packed and rep.gzip_body is not None else rep.body
    if packed:
        headers.append(("Content-Encoding", "gzip"))
    headers.append(("Content-Type", rep.media_type))
    return 200, headers, body


class FeedCache:
    """Representations by request path, each trusted for ``ttl`` seconds (0: never cached)."""

    def __init__(self, ttl: float, max_entries: int = 20_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Representation]] = {}

    def get(self, path: str) -> Representation | None:
        entry = self._entries.get(path)
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            return None
        return entry[1]

    def put(self, path: str, rep: Representation) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries and path not in self._entries:
            # Dropping everything is cheap and rare: the working set refills at one read per path.
            self._entries.clear()
        self._entries[path] = (time.monotonic(), rep)


class FeedCacheMiddleware:
    """Answers GET and HEAD under ``/feeds/`` from the cache; everything else passes through."""

    def __init__(self, app: ASGIApp, cache: FeedCache):
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX) or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        rep = self.cache.get(scope["path"])
        if rep is None:
            await self.app(scope, receive, send)
            return
        inm = ims = accept = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                inm = value.decode("latin-1")
            elif name == b"if-modified-since":
                ims = value.decode("latin-1")
            elif name == b"accept-encoding":
                accept = value.decode("latin-1")
        status, headers, body = negotiate(rep, if_none_match=inm, if_modified_since=ims, accept_encoding=accept)
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        if status == 200:
            raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
