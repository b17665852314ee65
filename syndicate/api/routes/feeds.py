"""Serving stored feed documents: no rendering per request."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from syndicate.errors import NotFound
from syndicate.feeds.spec import CONTENT_TYPES, FILENAMES
from syndicate.storage.db import get_database
from syndicate.storage.models import Feed, FeedDocument

router = APIRouter(tags=["feeds"])
BY_FILENAME = {name: fmt for fmt, name in FILENAMES.items()}


@router.get("/feeds/{path:path}", summary="A feed document (public)")
def get_feed(path: str, request: Request) -> Response:
    key, _, filename = path.rpartition("/")
    fmt = BY_FILENAME.get(filename)
    if fmt is None or not key:
        raise NotFound("no such feed")
    with get_database().read() as session:
        feed = session.scalar(select(Feed).where(Feed.key == key))
        doc = session.get(FeedDocument, (feed.id, fmt, 0)) if feed else None
        if doc is None:
            raise NotFound("no such feed")
        return Response(doc.body, media_type=CONTENT_TYPES[fmt], headers={"ETag": doc.etag})
