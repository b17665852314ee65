"""The pull API's reads: a cursor over the partner's sequence, single items, and the access audit.

The cursor is the last sequence number the partner has seen. Numbers are
handed out under a row lock in commit order (``sequence``), so "everything
after n, in order" read in one statement never skips an item that commits
later and never repeats one: the partner keeps the ``next`` it was given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.errors import Forbidden, NotFound, Problem, ValidationFailed
from syndicate.partners.entitlement import readable, visible
from syndicate.partners.render import Rendered, render
from syndicate.partners.tables import Partner, PartnerAccess, PartnerItem
from syndicate.payloads.build import story_links
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion

# The same answer whether the item does not exist or is not this partner's: nothing leaks.
NOT_AVAILABLE = "this item is not available to this partner"


def parse_cursor(since: str | None) -> int:
    if since is None or since == "":
        return 0
    if not since.isdigit() or len(since) > 18:
        raise ValidationFailed([Problem("since", "expected the `next` cursor of a previous page")])
    return int(since)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next: str
    more: bool

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next": self.next, "has_more": self.more}


def _payload_value(rendered: Rendered) -> Any:
    return json.loads(rendered.body) if rendered.format == "ninjs" else rendered.body


def page(
    session: Session,
    settings: Settings,
    partner: Partner,
    *,
    since: int,
    limit: int,
    fmt: str,
    language: str | None = None,
    section: str | None = None,
    api_prefix: str = "/v1/partner",
) -> Page:
    """Items after ``since`` in sequence order, read in one statement."""
    limit = max(1, min(limit, settings.partner_page_size))
    query = (
        select(PartnerItem, Article, ArticleVersion)
        .join(Article, Article.id == PartnerItem.article_id)
        .join(ArticleVersion, ArticleVersion.id == PartnerItem.version_id)
        .where(PartnerItem.partner_id == partner.id, PartnerItem.seq > since)
    )
    if language:
        query = query.where(PartnerItem.language == language)
    if section:
        query = query.where(PartnerItem.section == section)
    rows = list(session.execute(query.order_by(PartnerItem.seq).limit(limit)))
    links = story_links(session, [article for _, article, _ in rows])  # the page's stories, read together
    items = []
    for item, article, version in rows:
        entry: dict[str, Any] = {
            "seq": item.seq,
            "id": article.newsroom_id,
            "version": item.version,
            "language": item.language,
            "section": item.section,
            "kind": item.kind,
            "queued_at": item.created_at.isoformat(),
            "href": f"{api_prefix}/items/{article.newsroom_id}?version={item.version}",
        }
        # The sequence keeps every number; what the partner may still read is decided now.
        withdrawn_content = article.withdrawn and version.status != "withdrawn"
        available = not withdrawn_content and (version.status == "withdrawn" or visible(partner, article))
        entry["available"] = available
        if available:
            rendered = render(
                session, settings, partner, version, fmt, sequence=item.seq, sent=item.created_at, links=links
            )
            entry["format"] = fmt
            entry["payload"] = _payload_value(rendered)
        items.append(entry)
    next_cursor = str(rows[-1][0].seq) if rows else str(since)
    return Page(items, next_cursor, len(rows) == limit)


def item(
    session: Session,
    settings: Settings,
    partner: Partner,
    newsroom_id: str,
    *,
    version: int | None,
    fmt: str,
) -> tuple[Rendered, ArticleVersion]:
    """One article version as this partner may see it (the latest ready one by default)."""
    article = session.scalar(select(Article).where(Article.newsroom_id == newsroom_id))
    received = (
        article is not None
        and session.scalar(
            select(PartnerItem.id).where(PartnerItem.partner_id == partner.id, PartnerItem.article_id == article.id)
        )
        is not None
    )
    if article is None or not readable(partner, article, received=received):
        raise Forbidden(NOT_AVAILABLE)
    query = select(ArticleVersion).where(
        ArticleVersion.article_id == article.id, ArticleVersion.processed_at.is_not(None)
    )
    if version is not None:
        query = query.where(ArticleVersion.version == version)
    found = session.scalar(query.order_by(ArticleVersion.version.desc()).limit(1))
    if found is None:
        raise NotFound(f"{newsroom_id!r} has no version {version} ready" if version else "not ready yet")
    if article.withdrawn and found.status != "withdrawn":
        raise Forbidden(f"{newsroom_id!r} was withdrawn: only its cancellation is available")
    queued = session.scalar(
        select(PartnerItem).where(PartnerItem.partner_id == partner.id, PartnerItem.version_id == found.id)
    )
    rendered = render(
        session,
        settings,
        partner,
        found,
        fmt,
        sequence=queued.seq if queued else None,
        sent=queued.created_at if queued else found.ingested_at,
    )
    return rendered, found


def record_access(
    session: Session,
    *,
    partner_id: int | None,
    key_prefix: str | None,
    method: str,
    path: str,
    status: int,
    remote: str | None,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit row per request, refused ones included."""
    session.add(
        PartnerAccess(
            at=at,
            partner_id=partner_id,
            key_prefix=key_prefix,
            method=method[:8],
            path=path[:1000],
            status=status,
            remote=(remote or "")[:64] or None,
            detail=detail,
        )
    )
