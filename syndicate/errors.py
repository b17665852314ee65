"""The error tree of syndicate.

Library code raises these; the API and CLI map them to HTTP statuses and exit
codes at the boundary, and vendor or HTTP client errors are translated into
them where they are caught (translation backends, partner delivery).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SyndicateError(Exception):
    """Root of every error the library raises on purpose."""

    http_status = 500


@dataclass(frozen=True)
class Problem:
    """One problem with an input, addressed by a dotted field path."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationFailed(SyndicateError):
    """Input that does not satisfy the model. Carries one problem per field."""

    http_status = 422

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class TooLarge(ValidationFailed):
    """Input above a configured size limit."""

    http_status = 413


class NotFound(SyndicateError):
    http_status = 404


class Conflict(SyndicateError):
    """The request contradicts stored state (same version, different content)."""

    http_status = 409


class Forbidden(SyndicateError):
    http_status = 403


class Unauthorized(SyndicateError):
    http_status = 401


class RateLimited(SyndicateError):
    http_status = 429

    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        super().__init__(f"rate limit exceeded, retry after {retry_after:.0f}s")


class CatalogMissing(SyndicateError):
    """A registered language has no gettext catalog: a broken install, never papered over in English."""


class InvalidTransition(Conflict):
    """A state machine was asked for a move it does not allow."""


class TransientError(SyndicateError):
    """Worth retrying: time-outs, 5xx, 429, connection errors, a locked database."""

    http_status = 503

    def __init__(self, message: str, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message)


class PermanentError(SyndicateError):
    """Retrying cannot help (a 4xx from a partner or provider, a bad mapping)."""

    http_status = 502


class BackendError(PermanentError):
    """A translation backend refused a request."""


class PlaceholderMismatch(PermanentError):
    """A backend answer lost, duplicated or reordered a protected placeholder."""


class DeliveryFailed(PermanentError):
    """A partner endpoint refused a push for good."""


class CircuitOpen(TransientError):
    """A backend or partner is switched off for a while after repeated failures."""


class UnsafeURL(ValidationFailed):
    """A webhook URL the SSRF policy refuses."""

    def __init__(self, url: str, reason: str):
        super().__init__([Problem("webhook_url", f"{url!r} refused: {reason}")])


@dataclass
class Report:
    """Warnings collected while processing, e.g. words the normaliser flagged."""

    warnings: list[str] = field(default_factory=list)
