"""The human desk: no machine at all. A chain that reaches it leaves the job to translators."""

from __future__ import annotations

from collections.abc import Sequence

from syndicate.translation.backends.base import Backend, Segment, register


@register
class HumanDesk(Backend):
    name = "human"
    kind = "human"
    every_language = True  # our own codes, for every language of the registry
    cacheable = False

    def translate_batch(self, source: str, target: str, segments: Sequence[Segment]) -> list[str | None]:
        return [None for _ in segments]
