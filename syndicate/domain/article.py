"""The article model: what a newsroom CMS publishes, one version at a time.

The same pydantic model validates ingest (API and CLI), generates the public
JSON Schema (``docs/article.schema.json``, ``GET /v1/schema/article``), and is
stored, cleaned, as the canonical document of every version.
"""

from __future__ import annotations

import json
from datetime import datetime
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
Url = Annotated[AnyHttpUrl, Field(json_schema_extra={"format": "uri"})]


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
    published_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    canonical_url: Url
    media: Annotated[list[Image], Field(max_length=50)] = []
    rights: Rights = Rights()
    embargo_until: AwareDatetime | None = Field(None, description="Not to be published before this time")
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
