"""JSON over HTTP for the provider backends: retries, back-off, and errors mapped at the boundary.

- 429 and 5xx: retried with exponential back-off; a ``Retry-After`` header
  (seconds or an HTTP date) replaces the computed delay. A wait longer than
  ``max_wait`` is not slept here: :class:`TransientError` carries it to the
  outbox, which retries the step later.
- time-outs, connection errors and malformed answers: retried the same way.
- any other 4xx: :class:`BackendError` with the provider's own message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from syndicate.errors import BackendError, TransientError
from syndicate.retry import parse_retry_after
from syndicate.translation.backends.base import Backend, BackendContext, BackendSettings


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff: float = 1.0  # first delay; doubles per attempt
    max_backoff: float = 30.0
    max_wait: float = 30.0  # longest Retry-After honoured in place

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff * (2**attempt), self.max_backoff))


def provider_message(response: requests.Response) -> str:
    """The provider's error text from the usual JSON shapes, else the start of the body."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:300].strip() or response.reason or "no message"
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, str):
            return error
        if isinstance(error, dict) and error.get("message"):
            code = error.get("code")
            return f"{error['message']} (code {code})" if code is not None else str(error["message"])
        if isinstance(data.get("message"), str):
            return str(data["message"])
    return str(data)[:300]


class JsonClient:
    """POST JSON, parse the answer with ``parse``; retry what is worth retrying."""

    def __init__(
        self,
        name: str,
        *,
        timeout: float,
        policy: RetryPolicy,
        sleep: Callable[[float], None],
        session: requests.Session | None = None,
    ):
        self.name = name
        self.timeout = timeout
        self.policy = policy
        self.sleep = sleep
        self.session = session or requests.Session()

    def post(
        self,
        url: str,
        *,
        json: Any,
        parse: Callable[[Any], Any],
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        problem: TransientError | None = None
        for attempt in range(max(1, self.policy.attempts)):
            delay = self.policy.delay(attempt)
            try:
                response = self.session.post(url, json=json, params=params, headers=headers, timeout=self.timeout)
            except requests.Timeout:
                problem = TransientError(f"{self.name}: no answer within {self.timeout:g}s")
            except requests.RequestException as exc:
                problem = TransientError(f"{self.name}: {type(exc).__name__}: {str(exc)[:200]}")
            else:
                status = response.status_code
                if status == 429 or status >= 500:
                    hint = parse_retry_after(response.headers.get("Retry-After"))
                    problem = TransientError(f"{self.name}: HTTP {status}: {provider_message(response)}", hint)
                    delay = hint if hint is not None else delay
                elif status >= 400:
                    raise BackendError(f"{self.name}: HTTP {status}: {provider_message(response)}")
                else:
                    try:
                        return parse(response.json())
                    except (ValueError, KeyError, IndexError, TypeError) as exc:
                        problem = TransientError(f"{self.name}: malformed answer ({type(exc).__name__}: {exc})"[:300])
            if attempt + 1 >= self.policy.attempts or delay > self.policy.max_wait:
                break
            self.sleep(delay)
        assert problem is not None
        raise problem


class HttpBackend(Backend):
    """A provider reached over HTTP with the shared retry policy."""

    def __init__(self, settings: BackendSettings, context: BackendContext):
        super().__init__(settings, context)
        cfg = context.settings
        policy = RetryPolicy(
            attempts=cfg.translation_retry_attempts,
            backoff=cfg.translation_backoff_seconds,
            max_backoff=cfg.translation_max_backoff_seconds,
            max_wait=cfg.translation_max_backoff_seconds,
        )
        self.http = JsonClient(self.name, timeout=settings.timeout_seconds, policy=policy, sleep=context.sleep)
