"""Tables of the translation workflow: jobs, their segments and history, memory, cache, backend health.

They extend the shared declarative ``Base`` so one Alembic history covers them.
A job is keyed by (source article, source version, target language): the same
version never gets two jobs into one language, which makes planning idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from syndicate.storage.models import Base
from syndicate.storage.types import JSONType, utcnow


class TranslationJob(Base):
    """One source version into one target language, and where it stands."""

    __tablename__ = "translation_jobs"
    __table_args__ = (
        UniqueConstraint(
            "source_article_id", "source_version", "target_language", name="uq_translation_jobs_source_target"
        ),
        Index("ix_translation_jobs_target_state", "target_language", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    source_version: Mapped[int] = mapped_column(Integer)
    source_version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"))
    source_language: Mapped[str] = mapped_column(String(16))
    target_language: Mapped[str] = mapped_column(String(16))
    section: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    # review: a human approves before anything is published; machine: a complete
    # machine draft is published at once, labelled, and still goes to review.
    publish_mode: Mapped[str] = mapped_column(String(16), default="review")
    drafted_by: Mapped[str | None] = mapped_column(String(16))  # memory (all reviewed) | machine (unreviewed) | none
    skeleton: Mapped[str] = mapped_column(Text, default="")  # body with a marker per body segment
    failure_reason: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)  # transient trouble; the job is retried
    note: Mapped[str | None] = mapped_column(Text)  # the reviewer's last note
    translation_article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    published_version: Mapped[int | None] = mapped_column(Integer)
    machine_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TranslationSegment(Base):
    """A headline, standfirst, paragraph, caption or dateline of a job.

    Texts are stored masked: inline markup and protected spans are
    ``<x id="N"/>`` placeholders, restored from ``placeholders`` on publish.
    """

    __tablename__ = "translation_segments"
    __table_args__ = (UniqueConstraint("job_id", "key", name="uq_translation_segments_job_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("translation_jobs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))  # headline, body.3, media.0.caption...
    kind: Mapped[str] = mapped_column(String(16))  # headline | standfirst | paragraph | caption | dateline | correction
    html: Mapped[bool] = mapped_column(Boolean, default=False)  # body markup, or plain text
    source_text: Mapped[str] = mapped_column(Text)  # masked
    source_hash: Mapped[str] = mapped_column(String(64), index=True)
    placeholders: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    draft_text: Mapped[str | None] = mapped_column(Text)  # masked, from memory, a machine or a carried segment
    # memory | machine:<backend> | carried:<job> (approved) | unreviewed:<job> (an unapproved edit) | copy
    draft_origin: Mapped[str | None] = mapped_column(String(64))
    target_text: Mapped[str | None] = mapped_column(Text)  # masked, as edited by a translator
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | drafted | waiting | failed | edited
    error: Mapped[str | None] = mapped_column(Text)
    edited_by: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def text(self) -> str | None:
        """The best current translation: the translator's, else the draft."""
        return self.target_text if self.target_text is not None else self.draft_text


class TranslationEvent(Base):
    """Every transition of a job: who or what, when, from which state to which."""

    __tablename__ = "translation_events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("translation_jobs.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))  # editor-0, translator-1, backend:google, system
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class MemoryEntry(Base):
    """An approved human segment, per language pair (the translation memory)."""

    __tablename__ = "translation_memory"
    __table_args__ = (
        UniqueConstraint("source_language", "target_language", "source_hash", name="uq_translation_memory_pair_hash"),
        Index("ix_translation_memory_pair_length", "source_language", "target_language", "source_length"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_language: Mapped[str] = mapped_column(String(16))
    target_language: Mapped[str] = mapped_column(String(16))
    source_hash: Mapped[str] = mapped_column(String(64))
    source_text: Mapped[str] = mapped_column(Text)  # masked
    source_length: Mapped[int] = mapped_column(Integer)
    target_text: Mapped[str] = mapped_column(Text)  # masked
    origin: Mapped[str] = mapped_column(String(80))  # job:<id> approved by <actor>
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CacheEntry(Base):
    """A validated machine answer, keyed by (backend, pair, segment hash)."""

    __tablename__ = "translation_cache"
    __table_args__ = (
        UniqueConstraint(
            "backend", "source_language", "target_language", "source_hash", name="uq_translation_cache_key"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(32))
    source_language: Mapped[str] = mapped_column(String(16))
    target_language: Mapped[str] = mapped_column(String(16))
    source_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BackendHealth(Base):
    """Circuit-breaker state of one backend, shared by every worker."""

    __tablename__ = "translation_backends"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    open_until: Mapped[datetime | None]
    # While failing, one job at a time may try the backend (a probe) until then; the others wait.
    probe_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_failure_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    calls: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
