"""Drafting: run a job's pending segments through its chain of backends.

No database transaction is held while a backend works: the memory, the
cache and the circuit breaker each use short sessions of their own, so a
slow provider never blocks ingest or rendering.

For each backend of the pair's route, in order: skip it if it is not
configured, does not serve the pair or is switched off; take what its cache
already knows; send the rest. Segments it cannot do (a 4xx, a placeholder
mismatch) go on to the next backend. Reaching the human desk stops the chain:
what is left waits for a translator. A transient failure (429, 5xx, time-out)
that leaves segments undone means "try again later", not "give up".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from syndicate.errors import BackendError, CircuitOpen, TransientError
from syndicate.translation import breaker, cache
from syndicate.translation.backends import build, route
from syndicate.translation.backends.base import Backend, BackendContext, Segment
from syndicate.translation.segments import segment_hash

log = logging.getLogger("syndicate.translation")


@dataclass
class Drafts:
    """What the chain produced for a set of segments."""

    texts: dict[str, str] = field(default_factory=dict)  # key -> masked, checked translation
    origins: dict[str, str] = field(default_factory=dict)  # key -> memory | machine:<backend>
    errors: dict[str, list[str]] = field(default_factory=dict)  # key -> why each backend failed it
    waiting: bool = False  # the chain reached the human desk
    transient: TransientError | None = None  # a backend failed in a way worth retrying
    switched_off: CircuitOpen | None = None  # a backend was skipped: its circuit is open
    notes: list[str] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)  # backend -> segments sent to it

    def retry_later(self, pending: Sequence[str]) -> bool:
        """Try again later rather than settle: a provider failed, or is off and nobody else can help."""
        if all(k in self.texts for k in pending):
            return False
        if self.transient is not None:
            return True
        return self.switched_off is not None and not self.waiting

    @property
    def retry_after(self) -> float | None:
        problem = self.transient or self.switched_off
        return problem.retry_after if problem is not None else None


def draft(
    context: BackendContext,
    source: str,
    target: str,
    segments: Sequence[Segment],
    *,
    budget: float | None = None,
) -> Drafts:
    """Translate ``segments`` from ``source`` to ``target`` along the configured route.

    ``budget``: seconds this call may spend asking backends (a task has a time limit).
    """
    deadline = time.monotonic() + budget if budget is not None else None
    out = Drafts()
    pending = {s.key: s for s in segments}
    hashes = {s.key: segment_hash(s.text) for s in segments}
    for name in route(context.settings, source, target):
        if not pending:
            break
        backend = build(name, context)
        if backend is None:
            out.notes.append(f"{name}: not configured")
            continue
        if not backend.supports(source, target):
            out.notes.append(f"{name}: does not serve {source}>{target}")
            continue
        if backend.kind == "human":
            out.waiting = True
            break
        if backend.cacheable:
            _from_cache(context, backend, source, target, pending, hashes, out)
            if not pending:
                break
        off_for = _switched_off(context, name) if backend.kind == "machine" else None
        if off_for is not None:
            out.switched_off = CircuitOpen(f"{name}: switched off after repeated failures", off_for)
            out.notes.append(str(out.switched_off))
            continue
        busy_for = _admit(context, backend) if backend.kind == "machine" else None
        if busy_for is not None:
            out.switched_off = CircuitOpen(f"{name}: failing; another job is trying it first", busy_for)
            out.notes.append(str(out.switched_off))
            continue
        _ask(context, backend, source, target, pending, hashes, out, deadline)
        if out.transient is not None and deadline is not None and time.monotonic() > deadline:
            break
    return out


def _from_cache(
    context: BackendContext,
    backend: Backend,
    source: str,
    target: str,
    pending: dict[str, Segment],
    hashes: dict[str, str],
    out: Drafts,
) -> None:
    with context.sessions() as session:
        cached = cache.lookup(session, backend.name, source, target, [hashes[k] for k in pending])
    for key in list(pending):
        if hashes[key] in cached:
            out.texts[key], out.origins[key] = cached[hashes[key]], f"machine:{backend.name}"
            del pending[key]


def _switched_off(context: BackendContext, name: str) -> float | None:
    with context.sessions() as session:
        return breaker.open_for(session, name)


def _admit(context: BackendContext, backend: Backend) -> float | None:
    """None when this job may call the backend; else seconds until a failing backend's probe is over."""
    cfg = context.settings
    timeout = getattr(backend.settings, "timeout_seconds", 30.0)
    # Long enough for the probe's own retries; a killed worker frees it after this.
    lease = timeout * cfg.translation_retry_attempts + cfg.translation_max_backoff_seconds + 5.0
    with context.sessions() as session:
        return breaker.admit(session, backend.name, lease)


def _ask(
    context: BackendContext,
    backend: Backend,
    source: str,
    target: str,
    pending: dict[str, Segment],
    hashes: dict[str, str],
    out: Drafts,
    deadline: float | None,
) -> None:
    """Send the pending segments batch by batch; each answered batch is cached at once.

    Caching per batch means a task stopped by its time budget (or killed) keeps
    what it already paid for: the next run sends only what is still missing.
    """
    keys = list(pending)
    for start in range(0, len(keys), max(1, backend.batch_size)):
        if deadline is not None and time.monotonic() > deadline:
            out.transient = TransientError("the task's time budget is used up; the rest follows in the next run", 1.0)
            out.notes.append(str(out.transient))
            return
        chunk = [pending[k] for k in keys[start : start + backend.batch_size] if k in pending]
        if not _ask_batch(context, backend, source, target, chunk, pending, hashes, out):
            return


def _ask_batch(
    context: BackendContext,
    backend: Backend,
    source: str,
    target: str,
    chunk: list[Segment],
    pending: dict[str, Segment],
    hashes: dict[str, str],
    out: Drafts,
) -> bool:
    """One request's worth; False when the backend is failing and the rest should not be sent."""
    settings = context.settings
    machine = backend.kind == "machine"
    out.calls[backend.name] = out.calls.get(backend.name, 0) + len(chunk)
    try:
        answers = backend.translate(source, target, chunk)
    except TransientError as exc:
        log.warning("translation backend failed", extra={"backend": backend.name, "error": str(exc)})
        out.transient = exc
        out.notes.append(str(exc))
        if machine:
            with context.sessions() as session:
                opened = breaker.record_failure(
                    session,
                    backend.name,
                    str(exc),
                    threshold=settings.translation_breaker_failures,
                    cooldown=settings.translation_breaker_cooldown_seconds,
                    rest=settings.translation_backoff_seconds,
                )
            if opened:
                log.error("translation backend switched off", extra={"backend": backend.name})
        return False
    except BackendError as exc:
        # The provider refused the request (4xx): it is up, these segments are what failed.
        for seg in chunk:
            out.errors.setdefault(seg.key, []).append(str(exc))
        return True
    good: list[tuple[str, str]] = []
    for answer in answers:
        if answer.text is not None:
            origin = "memory" if backend.kind == "memory" else f"machine:{backend.name}"
            out.texts[answer.key], out.origins[answer.key] = answer.text, origin
            good.append((hashes[answer.key], answer.text))
            del pending[answer.key]
        elif answer.error:
            out.errors.setdefault(answer.key, []).append(answer.error)
    if machine:
        with context.sessions() as session:
            breaker.record_success(session, backend.name)
            if backend.cacheable and good:
                cache.store(session, backend.name, source, target, good)
    return True
