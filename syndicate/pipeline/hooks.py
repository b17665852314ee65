"""Extension points of the pipeline: what else happens when a step has done its part.

The lists are filled in one place, ``syndicate.pipeline.registry``, so the
whole wiring of capabilities (translation, archives, WebSub, partners) reads
top to bottom there.
"""

from __future__ import annotations

from collections.abc import Callable

from syndicate.pipeline.outbox import UnitOfWork
from syndicate.settings import Settings
from syndicate.storage.models import Article, ArticleVersion

VersionHook = Callable[[UnitOfWork, Settings, Article, ArticleVersion], None]
FeedHook = Callable[[UnitOfWork, Settings, int], None]
PayloadHook = Callable[[UnitOfWork, Settings, ArticleVersion], None]

PROCESSED: list[VersionHook] = []  # a version's rendition is ready
RENDERED: list[FeedHook] = []  # a feed's stored bytes changed
PAYLOAD_BUILT: list[PayloadHook] = []  # a version's partner payloads exist
RELEASED: list[VersionHook] = []  # an embargo lifted: the article is public now
