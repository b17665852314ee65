"""The human desk: no machine at all. A chain that reaches it leaves the job to translators."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from syndicate.translation.backends.base import Answer, Backend, Segment, register


@register
class HumanDesk(Backend):
    name = "human"
    kind = "human"
    default_codes: ClassVar[dict[str, str | None]] = {"en": "en", "ckb": "ckb", "kmr": "kmr", "ar": "ar"}
    cacheable = False

    def translate(self, source: str, target: str, segments: Sequence[Segment]) -> list[Answer]:
        self.code(source), self.code(target)
        return [Answer(s.key) for s in segments]

    def translate_batch(self, source: str, target: str, segments: Sequence[Segment]) -> list[str | None]:
        return [None for _ in segments]
