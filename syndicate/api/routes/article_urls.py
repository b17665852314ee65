"""Public article URLs: ``/{lang}/{section}/{id}/{slug}``, resolved by id.

The id is the key; section and slug are decoration that may change with a new
version (a corrected headline gives a new slug). Any path that names the right
article in the right language but not its current section or slug answers 301
with the current path, so old links keep working and search engines move on.

Each article has one canonical URL, the one feeds, sitemaps and partner
payloads link (``syndicate.feeds.urls.article_link``): the newsroom's
``canonical_url`` for a newsroom article (the outlet's page), this route's own
path under ``SYNDICATE_SITE_URL`` for an article syndicate made itself (a
translation). The page declares that URL (``Link: <...>; rel="canonical"`` and
``url`` in its JSON), never another one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.api.auth import PUBLIC
from syndicate.errors import NotFound
from syndicate.feeds.urls import article_link
from syndicate.languages.i18n import gettext
from syndicate.languages.messages import WITHDRAWN
from syndicate.languages.registry import LANGUAGES, get_language
from syndicate.settings import Settings
from syndicate.storage.db import get_database
from syndicate.storage.models import Article, ArticleVersion

router = APIRouter(tags=["article URLs"], dependencies=[PUBLIC])


def encode_path(path: str) -> str:
    """A path for the Location header: HTTP headers carry ASCII, so UTF-8 is percent-encoded."""
    return quote(path, safe="/:-._~")


def _same_path(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b)


@dataclass(frozen=True)
class Resolved:
    """What a public article URL shows, read in one go."""

    article_id: int
    newsroom_id: str
    language: str
    origin: str  # newsroom | translation
    released: bool
    withdrawn: bool
    version: int
    status: str
    document: dict[str, Any]
    rendition: dict[str, Any]
    alternates: list[dict[str, str]]


def _latest_rendition(session: Session, article_id: int) -> ArticleVersion | None:
    return session.scalar(
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id, ArticleVersion.processed_at.is_not(None))
        .order_by(ArticleVersion.version.desc())
        .limit(1)
    )


def resolve(settings: Settings, language: str, article_id: int) -> Resolved | None:
    """The article with its newest processed version, or None when there is none in ``language``."""
    with get_database().read() as session:
        article = session.get(Article, article_id)
        if article is None or article.language != language:
            return None
        version = _latest_rendition(session, article.id)
        if version is None:
            return None
        siblings = session.scalars(
            select(Article)
            .where(Article.story_id == article.story_id, Article.id != article.id, Article.released.is_(True))
            .order_by(Article.language)
        ).all()
        alternates = []
        for sib in siblings:
            other = _latest_rendition(session, sib.id)
            if other is not None and other.rendition and sib.language in LANGUAGES:
                hreflang = LANGUAGES[sib.language].tag("html")
                alternates.append(
                    {
                        "language": sib.language,
                        "hreflang": hreflang,
                        "path": other.rendition["path"],
                        "url": article_link(settings, sib.origin, other.document, other.rendition),
                    }
                )
        return Resolved(
            article.id,
            article.newsroom_id,
            article.language,
            article.origin,
            article.released,
            article.withdrawn,
            version.version,
            version.status,
            dict(version.document),
            dict(version.rendition or {}),
            alternates,
        )


_SHOWN = (
    "language", "dir", "headline", "headline_html", "standfirst", "body_html", "dateline",
    "published_display", "updated_display", "section_label", "tags_display", "slug", "path",
)  # fmt: skip


def page(found: Resolved, settings: Settings) -> dict[str, Any]:
    """The public JSON of an article page; ``url`` is its canonical URL."""
    doc, rend = found.document, found.rendition
    return {
        "id": found.article_id,
        "newsroom_id": found.newsroom_id,
        "version": found.version,
        "status": found.status,
        "lang": get_language(found.language).tag("html"),
        **{k: rend.get(k) for k in _SHOWN},
        "section": doc.get("section"),
        "tags": doc.get("tags", []),
        "published_at": doc.get("published_at"),
        "updated_at": doc.get("updated_at") or doc.get("published_at"),
        "url": article_link(settings, found.origin, doc, rend),
        "alternates": found.alternates,
    }


def _handler(language: str) -> Callable[..., Response]:
    def article_page(request: Request, section: str, article_id: int, slug: str = "") -> Response:
        settings = request.app.state.settings
        found = resolve(settings, language, article_id)
        if found is None:
            raise NotFound(f"no article {article_id} in {language!r}")
        if found.withdrawn:
            return JSONResponse({"detail": gettext(language, WITHDRAWN)}, status_code=410)
        if not found.released:
            raise NotFound(f"no article {article_id} in {language!r}")
        canonical = found.rendition.get("path", "")
        asked = f"/{language}/{section}/{article_id}" + (f"/{slug}" if slug else "")
        if not _same_path(asked, canonical):
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(encode_path(canonical) + query, status_code=301)
        body = page(found, settings)
        # The canonical URL is already an ASCII URI (percent-encoded, IDNA host).
        headers = {"Content-Language": body["lang"], "Link": f'<{body["url"]}>; rel="canonical"'}
        return JSONResponse(body, headers=headers)

    return article_page


# One pair of routes per registered language: a literal first segment keeps this
# shape from shadowing other routers (/v1/..., /feeds/...).
for _code in LANGUAGES:
    _fn = _handler(_code)
    router.add_api_route(
        f"/{_code}/{{section}}/{{article_id:int}}/{{slug}}",
        _fn,
        methods=["GET"],
        summary=f"An article in {_code} by id; wrong or old slugs redirect 301 (public)",
        name=f"article_{_code}",
    )
    router.add_api_route(
        f"/{_code}/{{section}}/{{article_id:int}}",
        _fn,
        methods=["GET"],
        include_in_schema=False,
        name=f"article_{_code}_bare",
    )
