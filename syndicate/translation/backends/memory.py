"""The translation memory as the first backend of a chain: exact matches only, no call outside."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from syndicate.translation import memory
from syndicate.translation.backends.base import Answer, Backend, Segment, register
from syndicate.translation.segments import segment_hash


@register
class MemoryBackend(Backend):
    name = "memory"
    kind = "memory"
    every_language = True  # our own codes, for every language of the registry
    batch_size = 500
    cacheable = False  # it is a store already

    def translate(self, source: str, target: str, segments: Sequence[Segment]) -> list[Answer]:
        # An exact match scores 100, so reviewers see where a draft segment came from.
        answers = super().translate(source, target, segments)
        return [replace(a, score=100.0) if a.text is not None else a for a in answers]

    def translate_batch(self, source: str, target: str, segments: Sequence[Segment]) -> list[str | None]:
        # Keyed by our own codes (every_language): the memory is ours, whatever providers call the languages.
        hashes = [segment_hash(s.text) for s in segments]
        with self.context.sessions() as session:
            found = memory.exact(session, source, target, hashes)
        return [found.get(h) for h in hashes]
