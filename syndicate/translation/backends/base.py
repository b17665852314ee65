"""The backend contract: masked segments in, checked answers out.

A backend maps our language codes to its own, translates a batch of masked
segments and says, per segment, either the translation, nothing (a memory
miss, the human desk) or why it failed. :meth:`Backend.translate` checks every
answer's placeholders, so no backend can hand back a corrupted segment.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from syndicate.errors import BackendError, PlaceholderMismatch
from syndicate.languages.registry import LANGUAGES
from syndicate.translation.placeholders import Placeholder, check

if TYPE_CHECKING:
    from syndicate.settings import Settings

Kind = Literal["machine", "memory", "human"]


class UnsupportedLanguage(BackendError):
    """The backend has no code for one of the languages: it does not serve the pair."""


class BackendSettings(BaseModel):
    """Settings every backend has; each backend adds its own fields."""

    model_config = ConfigDict(extra="forbid")

    language_codes: dict[str, str | None] = Field(
        default_factory=dict, description="Override the provider code of a language (null: not served)"
    )
    timeout_seconds: float = Field(30.0, gt=0, description="Time-out of one HTTP request")


@dataclass(frozen=True)
class Segment:
    key: str
    text: str  # masked
    placeholders: tuple[Placeholder, ...] = ()


@dataclass(frozen=True)
class Answer:
    key: str
    text: str | None = None  # masked, placeholders checked
    error: str | None = None  # why this backend could not translate the segment
    score: float | None = None  # memory matches: similarity, 100 = exact


@dataclass
class BackendContext:
    """What a backend may use: short database sessions, the global settings, a sleep for back-off."""

    sessions: Callable[[], AbstractContextManager[Session]]
    settings: Settings
    sleep: Callable[[float], None] = field(default=time.sleep)


REGISTRY: dict[str, type[Backend]] = {}


def register(cls: type[Backend]) -> type[Backend]:
    REGISTRY[cls.name] = cls
    return cls


class Backend(ABC):
    name: ClassVar[str]
    kind: ClassVar[Kind] = "machine"
    settings_class: ClassVar[type[BackendSettings]] = BackendSettings
    # Our public code -> the provider's code; None: documented as unsupported.
    default_codes: ClassVar[dict[str, str | None]] = {}
    # Backends of our own (the memory, the desk) serve every registered language by its public code.
    every_language: ClassVar[bool] = False
    batch_size: ClassVar[int] = 50
    cacheable: ClassVar[bool] = True

    def __init__(self, settings: BackendSettings, context: BackendContext):
        self.settings = settings
        self.context = context

    @classmethod
    def codes(cls, overrides: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
        """Our public code -> the provider's, with the settings' ``language_codes`` applied."""
        # Read at call time: a language added to the registry is served without a code change.
        own: dict[str, str | None] = {code: code for code in LANGUAGES} if cls.every_language else {}
        return {**own, **cls.default_codes, **(overrides or {})}

    def code(self, language: str) -> str:
        """The provider's code for one of our languages (the classic bug: test it per backend)."""
        provider = self.codes(self.settings.language_codes).get(language)
        if provider is None:
            raise UnsupportedLanguage(f"{self.name} has no language code for {language!r}")
        return provider

    def supports(self, source: str, target: str) -> bool:
        try:
            self.code(source), self.code(target)
        except UnsupportedLanguage:
            return False
        return True

    def translate(self, source: str, target: str, segments: Sequence[Segment]) -> list[Answer]:
        """Translate in batches; every answer is checked against its segment's placeholders."""
        src, tgt = self.code(source), self.code(target)
        answers: list[Answer] = []
        for batch in _batches(segments, self.batch_size):
            raw = self.translate_batch(src, tgt, batch)
            if len(raw) != len(batch):
                raise BackendError(f"{self.name}: {len(raw)} answers for {len(batch)} segments")
            answers += [self._checked(seg, text) for seg, text in zip(batch, raw, strict=True)]
        return answers

    def _checked(self, segment: Segment, text: str | None) -> Answer:
        if text is None:
            return Answer(segment.key)
        try:
            return Answer(segment.key, check(text, segment.placeholders))
        except PlaceholderMismatch as exc:
            return Answer(segment.key, error=f"{self.name}: {exc}")

    @abstractmethod
    def translate_batch(self, source: str, target: str, segments: Sequence[Segment]) -> list[str | None]:
        """Provider codes in, one raw answer (or None) per segment out."""


def _batches(segments: Sequence[Segment], size: int) -> Iterator[Sequence[Segment]]:
    for i in range(0, len(segments), max(1, size)):
        yield segments[i : i + size]
