"""The article model: what a newsroom CMS publishes, one version at a time.

The same pydantic model validates ingest (API and CLI), generates the public
JSON Schema (``docs/article.schema.json``, ``GET /v1/schema/article``), and is
stored, cleaned, as the canonical document of every version.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from syndicate.languages.registry import LANGUAGES
from syndicate.urls import iri_to_uri, public_url_problem


class Status(StrEnum):
    published = "published"
    corrected = "corrected"
    withdrawn = "withdrawn"


def _known_language(code: str) -> str:
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; expected one of {', '.join(LANGUAGES)}")
    return code


LanguageCode = Annotated[
    str,
    AfterValidator(_known_language),
    Field(description="Public language code", json_schema_extra={"enum": list(LANGUAGES)}),
]
# Newsroom ids end up in URLs, cache keys and file names: keep them to a safe alphabet.
NewsroomId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"),
    Field(description="The CMS's own id of the story in this language", examples=["k24-886538"]),
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
# Dates every output can carry: RFC 822 (RSS) wants a four-digit year, and each must convert to UTC.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
DATE_RANGE = "between 1970-01-01T00:00:00Z and 2100-12-31T23:59:59Z"


def _in_range(value: datetime) -> datetime:
    try:
        moment = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"cannot be converted to UTC; a date must lie {DATE_RANGE}") from None
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"must lie {DATE_RANGE}")
    return value


def _public_url(value: AnyHttpUrl) -> AnyHttpUrl:
    problem = public_url_problem(str(value))
    if problem:
        raise ValueError(problem)
    # Percent-encode what a URI cannot carry (and a stray %), so every output format accepts it.
    return AnyHttpUrl(iri_to_uri(str(value)))


Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]
Url = Annotated[
    AnyHttpUrl,
    AfterValidator(_public_url),
    Field(
        json_schema_extra={"format": "uri"},
        description="http(s) URL with a host name (no IP address, no user:password@)",
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Author(_Model):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    handle: Annotated[str, StringConstraints(pattern=r"^@?[A-Za-z0-9_.]{1,50}$")] | None = Field(
        None, description="Social handle, e.g. @someone"
    )
    role: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None, description="e.g. 'Erbil correspondent'"
    )


class Image(_Model):
    url: Url
    caption: Annotated[str, StringConstraints(max_length=2000)] | None = None
    credit: Annotated[str, StringConstraints(max_length=300)] | None = Field(
        None, description="Credit line as published, e.g. 'Safin Hamid/AFP'"
    )
    rights_holder: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="Who owns the image, e.g. 'AFP'"
    )
    partner_redistribution: bool = Field(
        False, description="Partners may republish this image (agency photos usually may not)"
    )
    feed_reuse: bool = Field(True, description="The image may appear in public feeds")
    mime_type: Annotated[str, StringConstraints(pattern=r"^image/[a-z0-9.+-]+$")] = "image/jpeg"
    width: Annotated[int, Field(gt=0, le=100_000)] | None = None
    height: Annotated[int, Field(gt=0, le=100_000)] | None = None


class Rights(_Model):
    copyright_holder: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    usage_terms: Annotated[str, StringConstraints(max_length=2000)] | None = None
    license_url: Url | None = None


class Article(_Model):
    """One version of one story in one language, as the newsroom publishes it."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        frozen=True,
        json_schema_extra={"$id": "https://chira.example/schemas/article.json"},
        title="Article",
    )

    id: NewsroomId
    version: Annotated[int, Field(ge=1, le=1_000_000, description="Increases with every change")]
    language: LanguageCode
    status: Status = Status.published
    headline: Annotated[str, StringConstraints(min_length=1, max_length=400)]
    standfirst: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        None, description="Summary shown under the headline"
    )
    body_html: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="Body as HTML; sanitised to a safe subset at ingest"
    )
    byline: Annotated[list[Author], Field(min_length=1, max_length=20)]
    dateline: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="Place the story is filed from, e.g. 'ERBIL, Kurdistan Region'"
    )
    section: Slug = Field(description="Section slug, e.g. 'politics'")
    tags: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=80)]], Field(max_length=50)] = []
    published_at: Moment = Field(description=f"Timezone-aware, {DATE_RANGE}")
    updated_at: Moment | None = Field(None, description=f"Timezone-aware, {DATE_RANGE}")
    canonical_url: Url
    media: Annotated[list[Image], Field(max_length=50)] = []
    rights: Rights = Rights()
    embargo_until: Moment | None = Field(
        None, description=f"Not to be published before this time (timezone-aware, {DATE_RANGE})"
    )
    correction_note: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        None, description="What was corrected (status 'corrected')"
    )
    translation_of: NewsroomId | None = Field(
        None, description="Newsroom id of the story this one is a language version of"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Article:
        if self.updated_at and self.updated_at < self.published_at:
            raise ValueError("updated_at is before published_at")
        if self.translation_of == self.id:
            raise ValueError("translation_of points to the article itself")
        return self

    @property
    def modified_at(self) -> datetime:
        return self.updated_at or self.published_at

    def document(self) -> dict[str, Any]:
        """The canonical JSON document of this version (what is stored and hashed)."""
        return self.model_dump(mode="json", exclude_none=True)

    def canonical_json(self) -> str:
        return json.dumps(self.document(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Withdrawal(_Model):
    """A takedown: the newsroom withdraws every language version of a story."""

    id: NewsroomId
    version: Annotated[int, Field(ge=1, le=1_000_000)]
    status: Literal[Status.withdrawn]
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


def article_json_schema() -> dict[str, Any]:
    """The public JSON Schema of an article, generated from the model."""
    schema = Article.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
