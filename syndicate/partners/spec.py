"""What an operator may set on a partner (validated the same way from the CLI and the admin API)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from syndicate.languages.registry import LANGUAGES

Format = Literal["ninjs", "newsml"]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
Section = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


def _known_language(code: str) -> str:
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; expected one of {', '.join(LANGUAGES)}")
    return code


Language = Annotated[str, AfterValidator(_known_language)]


def _unique(values: list[Any] | None) -> list[Any] | None:
    return list(dict.fromkeys(values)) if values is not None else None


class PartnerFields(BaseModel):
    """Fields shared by create and update; None on update means unchanged."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contact: Annotated[str, StringConstraints(max_length=300)] | None = Field(None, description="Who to call")
    active: bool | None = None
    languages: Annotated[list[Language], Field(min_length=1)] | None = Field(
        None, description="Subscribed languages (public codes)"
    )
    sections: list[Section] | None = Field(None, description="Subscribed sections; empty means every section")
    formats: Annotated[list[Format], Field(min_length=1)] | None = Field(
        None, description="Payload formats the partner takes; the first is its default"
    )
    pull: bool | None = Field(None, description="May use the pull API with its keys")
    webhook_url: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        None, description="Push target; empty string switches push off"
    )
    push_format: Format | None = Field(None, description="Format of pushed payloads")
    allow_private_webhook: bool | None = Field(None, description="May push to a private or loopback address")
    trusted_embargo: bool | None = Field(None, description="Receives embargoed material, embargo carried as metadata")
    all_images: bool | None = Field(None, description="Licensed to republish every image, agency photos included")

    @model_validator(mode="after")
    def _dedupe(self) -> PartnerFields:
        for name in ("languages", "sections", "formats"):
            setattr(self, name, _unique(getattr(self, name)))
        return self

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class PartnerCreate(PartnerFields):
    name: Name
    languages: Annotated[list[Language], Field(min_length=1)]
    backfill: Annotated[int, Field(ge=0, le=10_000)] = Field(
        0, description="Give the partner the current version of its newest N stories"
    )


class PartnerUpdate(PartnerFields):
    pass
