"""Serving stored feed documents, archive pages, the OPML list and news sitemaps.

Nothing is rendered per request: the stored bytes (or their stored gzip twin)
go out with a strong ETag, Last-Modified and Cache-Control, and conditional
requests get ``304 Not Modified`` without a body. Subscription documents
carry the WebSub discovery links (``rel=hub``, ``rel=self``) as headers too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from syndicate.api.auth import PUBLIC
from syndicate.errors import NotFound
from syndicate.feeds.spec import CONTENT_TYPES, FILENAMES
from syndicate.feeds.urls import OPML_PATH, parse_document_path, site_url
from syndicate.settings import Settings
from syndicate.storage.db import get_database
from syndicate.storage.models import Feed, FeedDocument, SiteDocument

router = APIRouter(tags=["feeds"], dependencies=[PUBLIC])
BY_FILENAME = {name: fmt for fmt, name in FILENAMES.items()}


@dataclass(frozen=True)
class Stored:
    """One stored representation pair, whatever table it came from."""

    body: bytes
    etag: str
    gzip_body: bytes | None
    gzip_etag: str | None
    last_modified: datetime
    media_type: str
    cache_control: str
    links: tuple[str, ...] = ()


def accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
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


def respond(request: Request, stored: Stored) -> Response:
    """The stored bytes, or 304 when the client's copy is current."""
    packed = stored.gzip_body is not None and accepts_gzip(request)
    body = stored.gzip_body if packed and stored.gzip_body is not None else stored.body
    etag = stored.gzip_etag if packed and stored.gzip_etag else stored.etag
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(stored.last_modified, usegmt=True),
        "Cache-Control": stored.cache_control,
        "Vary": "Accept-Encoding",
    }
    if stored.links:
        headers["Link"] = ", ".join(stored.links)
    inm = request.headers.get("if-none-match")
    if inm is not None:
        sent = _etags(inm)
        current = {stored.etag, stored.gzip_etag} - {None}
        if "*" in sent or sent & current:
            return Response(status_code=304, headers=headers)
    elif (ims := request.headers.get("if-modified-since")) is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            since = None
        if since is not None and since.tzinfo is not None and stored.last_modified <= since:
            return Response(status_code=304, headers=headers)
    if packed:
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=stored.media_type, headers=headers)


def _feed_document(settings: Settings, path: str) -> Stored:
    parsed = parse_document_path(path)
    fmt = BY_FILENAME.get(parsed[2]) if parsed else None
    if parsed is None or fmt is None:
        raise NotFound("no such feed")
    key, page, _ = parsed
    with get_database().read() as session:
        feed = session.scalar(select(Feed).where(Feed.key == key))
        doc = session.get(FeedDocument, (feed.id, fmt, page)) if feed else None
        if doc is None:
            raise NotFound("no such feed")
        links = [f'<{site_url(settings, path)}>; rel="self"']
        if page == 0:
            links = [f'<{hub}>; rel="hub"' for hub in settings.websub_hubs] + links
        max_age = settings.archive_max_age_seconds if doc.complete else settings.feed_max_age_seconds
        return Stored(
            doc.body,
            doc.etag,
            doc.gzip_body,
            doc.gzip_etag,
            doc.last_modified,
            CONTENT_TYPES[fmt],
            f"public, max-age={max_age}",
            tuple(links),
        )


def _site_document(settings: Settings, path: str) -> Stored | None:
    with get_database().read() as session:
        doc = session.get(SiteDocument, path)
        if doc is None:
            return None
        return Stored(
            doc.body,
            doc.etag,
            doc.gzip_body,
            doc.gzip_etag,
            doc.last_modified,
            doc.media_type,
            f"public, max-age={settings.feed_max_age_seconds}",
        )


# HEAD is a route of its own, left out of the schema: one route with both methods gives
# the OpenAPI document two operations with the same id.
@router.get("/feeds/{path:path}", summary="A feed document, archive page, the OPML list or a news sitemap (public)")
@router.head("/feeds/{path:path}", include_in_schema=False)
def get_feed(path: str, request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if path == OPML_PATH or path.startswith("sitemaps/"):
        stored = _site_document(settings, path)
        if stored is None:
            raise NotFound("no such document")
        return respond(request, stored)
    return respond(request, _feed_document(settings, path))
