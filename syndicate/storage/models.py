"""Relational model. The database is the source of truth for every step.

Redis only ever carries work that can be re-derived from these tables (the
outbox and the feeds' dirty counters), so losing the broker delays work but
never loses it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from syndicate.storage.types import JSONType, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


class Story(Base):
    """A translation group: every language version of one story."""

    __tablename__ = "stories"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Article(Base):
    """One story in one language; its content lives in versions."""

    __tablename__ = "articles"
    # News sitemaps read the newest public articles of one language.
    __table_args__ = (Index("ix_articles_language_published", "language", "published_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    newsroom_id: Mapped[str] = mapped_column(String(160), unique=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    language: Mapped[str] = mapped_column(String(16), index=True)
    origin: Mapped[str] = mapped_column(String(16), default="newsroom")  # newsroom | translation
    source_article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    translation_of: Mapped[str | None] = mapped_column(String(160), index=True)  # newsroom id
    # The current version's label, for the desk; feeds and payloads read the version's own flag.
    machine_translated: Mapped[bool] = mapped_column(Boolean, default=False)
    current_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    section: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime]
    modified_at: Mapped[datetime]
    embargo_until: Mapped[datetime | None]
    # Public: not embargoed and not withdrawn. Feeds and untrusted partners see only these.
    released: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", order_by="ArticleVersion.version", lazy="raise_on_sql"
    )


class ArticleVersion(Base):
    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_article_versions_article_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    # An unreviewed machine draft: every feed entry and payload of this version says so, even
    # after a reviewed version follows (a partner may still pull this one).
    machine_translated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Filled by the process step: what feeds and payloads show (localized dates, dir, slug...).
    rendition: Mapped[dict[str, Any] | None]
    processed_at: Mapped[datetime | None]

    article: Mapped[Article] = relationship(back_populates="versions", lazy="joined")


class Feed(Base):
    """A feed family member (language, section, tag, author) and its dirty state.

    ``change_seq`` grows whenever an entry changes; a rebuild records the
    ``change_seq`` it rendered, so ``change_seq > rendered_seq`` means stale.
    """

    __tablename__ = "feeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    language: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # language | section | tag | author
    value: Mapped[str] = mapped_column(String(200), default="")
    label: Mapped[str] = mapped_column(String(200), default="")
    next_position: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(Integer, default=0)
    rendered_seq: Mapped[int] = mapped_column(Integer, default=0)
    dirty_since: Mapped[datetime | None]
    last_changed_at: Mapped[datetime | None]
    rendered_at: Mapped[datetime | None]
    render_count: Mapped[int] = mapped_column(Integer, default=0)
    # RFC 5005 archives: the block size the archive pages were cut with, and how many are rendered.
    page_size: Mapped[int | None] = mapped_column(Integer)
    archived_pages: Mapped[int] = mapped_column(Integer, default=0)


class FeedEntry(Base):
    """Membership of an article in a feed, at a position fixed when it joined.

    Positions are assigned in the transaction that makes the article public,
    so archive pages (blocks of positions) never shift once full.
    """

    __tablename__ = "feed_entries"
    __table_args__ = (
        UniqueConstraint("feed_id", "article_id", name="uq_feed_entries_feed_article"),
        UniqueConstraint("feed_id", "position", name="uq_feed_entries_feed_position"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class FeedDocument(Base):
    """Rendered bytes of one feed page in one format; served as stored."""

    __tablename__ = "feed_documents"
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id"), primary_key=True)
    format: Mapped[str] = mapped_column(String(16), primary_key=True)  # rss | atom | json
    page: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 = subscription document
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(80))
    last_modified: Mapped[datetime]
    complete: Mapped[bool] = mapped_column(Boolean, default=False)  # a full archive page
    # The same bytes gzip-compressed (deterministically), with their own strong ETag.
    gzip_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    gzip_etag: Mapped[str | None] = mapped_column(String(80))
    # The ETag of the bytes last written to the export folder (None: never exported).
    exported_etag: Mapped[str | None] = mapped_column(String(80))


class FeedDirtyPage(Base):
    """An archive page whose entries changed (correction, withdrawal, new sibling) since it was rendered."""

    __tablename__ = "feed_dirty_pages"
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id"), primary_key=True)
    page: Mapped[int] = mapped_column(Integer, primary_key=True)


class SiteDocument(Base):
    """A stored document that belongs to no single feed: the OPML list, news sitemaps."""

    __tablename__ = "site_documents"
    path: Mapped[str] = mapped_column(String(255), primary_key=True)  # relative to the feeds URL
    media_type: Mapped[str] = mapped_column(String(80))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(80))
    gzip_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    gzip_etag: Mapped[str | None] = mapped_column(String(80))
    last_modified: Mapped[datetime]
    exported_etag: Mapped[str | None] = mapped_column(String(80))  # as for feed documents


class HubNotice(Base):
    """What a WebSub hub was last told about one feed document (by ETag)."""

    __tablename__ = "hub_notices"
    __table_args__ = (UniqueConstraint("feed_id", "format", "hub", name="uq_hub_notices_feed_format_hub"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id"))
    format: Mapped[str] = mapped_column(String(16))
    hub: Mapped[str] = mapped_column(String(500))
    etag: Mapped[str | None] = mapped_column(String(80))  # last ETag the hub acknowledged
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failures since the last success
    last_error: Mapped[str | None] = mapped_column(Text)
    notified_at: Mapped[datetime | None]
    retry_after: Mapped[datetime | None]  # a failed hub is not asked again before this


class Payload(Base):
    """Partner payload of one article version in one format (before per-partner rules)."""

    __tablename__ = "payloads"
    __table_args__ = (UniqueConstraint("version_id", "format", name="uq_payloads_version_format"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"), index=True)
    format: Mapped[str] = mapped_column(String(16))  # ninjs | newsml
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A pipeline step that must happen, written in the same transaction as its cause.

    The sweeper re-sends rows still pending after ``due_at``; steps are
    idempotent, so a re-sent message that was only slow does no harm.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        # Latency figures and pruning read completed rows by completion time.
        Index("ix_outbox_status_done", "status", "done_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    step: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # when the step was (last) owed
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # How long the task that completed the row ran (a batch's subjects share their task's time).
    run_seconds: Mapped[float | None] = mapped_column(Float)
