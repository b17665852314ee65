"""The translation memory as the first backend of a chain: exact matches only, no call outside."""

from __future__ import annotations

from collections.abc import Sequence

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
        # Keyed by our own codes: the memory is ours, whatever the providers call the languages.
        self.code(source), self.code(target)
        hashes = [segment_hash(s.text) for s in segments]
        with self.context.sessions() as session:
            found = memory.exact(session, source, target, hashes)
        return [
            self._scored(seg, found[h]) if h in found else Answer(seg.key)
            for seg, h in zip(segments, hashes, strict=True)
        ]

    def _scored(self, segment: Segment, text: str) -> Answer:
        answer = self._checked(segment, text)
        return Answer(answer.key, answer.text, answer.error, 100.0 if answer.text is not None else None)

    def translate_batch(self, source: str, target: str, segments: Sequence[Segment]) -> list[str | None]:
        raise NotImplementedError  # translate() is overridden: the memory never sees a batch request
