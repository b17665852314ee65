"""Serving stored feed documents, archive pages, the OPML list and news sitemaps.

Nothing is rendered per request: the stored bytes (or their stored gzip twin)
go out with a strong ETag, Last-Modified and Cache-Control, and conditional
requests get ``304 Not Modified`` without a body. Subscription documents
carry the WebSub discovery links (``rel=hub``, ``rel=self``) as headers too.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from syndicate.api.auth import PUBLIC
from syndicate.api.feedcache import FeedCache, Representation, negotiate
from syndicate.errors import NotFound
from syndicate.feeds.spec import CONTENT_TYPES, FILENAMES
from syndicate.feeds.urls import OPML_PATH, parse_document_path, site_url
from syndicate.settings import Settings
from syndicate.storage.db import get_database
from syndicate.storage.models import Feed, FeedDocument, SiteDocument

router = APIRouter(tags=["feeds"], dependencies=[PUBLIC])
BY_FILENAME = {name: fmt for fmt, name in FILENAMES.items()}


def respond(request: Request, stored: Representation) -> Response:
    """The stored bytes, or 304 when the client's copy is current; the entry goes into the cache."""
    cache: FeedCache | None = getattr(request.app.state, "feed_cache", None)
    if cache is not None:
        cache.put(request.scope["path"], stored)
    status, headers, body = negotiate(
        stored,
        if_none_match=request.headers.get("if-none-match"),
        if_modified_since=request.headers.get("if-modified-since"),
        accept_encoding=request.headers.get("accept-encoding"),
    )
    return Response(body, status_code=status, headers=dict(headers))


def _feed_document(settings: Settings, path: str) -> Representation:
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
        return Representation(
            doc.body,
            doc.etag,
            doc.gzip_body,
            doc.gzip_etag,
            doc.last_modified,
            CONTENT_TYPES[fmt],
            f"public, max-age={max_age}",
            tuple(links),
        )


def _site_document(settings: Settings, path: str) -> Representation | None:
    with get_database().read() as session:
        doc = session.get(SiteDocument, path)
        if doc is None:
            return None
        return Representation(
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
