"""One signed webhook POST (Standard Webhooks) and what its answer means.

Signing uses the ``standardwebhooks`` package: ``webhook-id`` (stable across
retries), ``webhook-timestamp`` (this attempt) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of id.timestamp.body>``). HTTP errors are mapped
here, at the boundary, to an :class:`Outcome`; nothing raises past it.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import requests
import urllib3
from requests.adapters import HTTPAdapter
from standardwebhooks.webhooks import Webhook

from syndicate import __version__
from syndicate.errors import UnsafeURL
from syndicate.partners import ssrf
from syndicate.retry import parse_retry_after


class Outcome(StrEnum):
    delivered = "delivered"  # 2xx
    retry = "retry"  # 5xx, 429, time-out, connection error
    failed = "failed"  # any other answer: retrying cannot help


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    duration_ms: int = 0


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    moment = now.astimezone(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, moment, body),
    }


class _PinnedTLS(HTTPAdapter):
    """Connects to the checked address while verifying the certificate of the URL's host name."""

    def __init__(self, server_name: str):
        self.server_name = server_name
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):  # type: ignore[no-untyped-def]
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params.get("scheme") == "https":
            pool_kwargs["server_hostname"] = self.server_name
            pool_kwargs["assert_hostname"] = self.server_name
        return host_params, pool_kwargs


def classify(status: int, retry_after: str | None, now: datetime) -> tuple[Outcome, float | None]:
    if 200 <= status < 300:
        return Outcome.delivered, None
    if status == 429 or status >= 500:
        return Outcome.retry, parse_retry_after(retry_after, now)
    return Outcome.failed, None


def post(
    url: str,
    body: str,
    *,
    content_type: str,
    secret: str,
    message_id: str,
    timeout: float,
    allow_private: bool,
    resolver: ssrf.Resolver = ssrf.system_resolver,
    now: datetime | None = None,
) -> Result:
    """POST ``body`` to ``url``, signed; never follows redirects, never raises."""
    now = now or datetime.now(UTC)
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        target = ssrf.check(url, allow_private=allow_private, resolver=resolver)
    except UnsafeURL as exc:
        return Result(Outcome.failed, error=str(exc), duration_ms=elapsed())
    headers = {
        "Content-Type": content_type,
        "User-Agent": f"syndicate/{__version__} (partner push)",
        "Host": target.host_header,
        **signed_headers(secret, message_id, body, now),
    }
    session = requests.Session()
    session.trust_env = False  # no proxies or netrc from the environment: we call exactly the checked address
    session.mount("https://", _PinnedTLS(target.host))
    session.mount("http://", HTTPAdapter(max_retries=0))
    try:
        # stream: the partner's answer is read only as far as an error message needs.
        response = session.post(
            target.pinned_url,
            data=body.encode("utf-8"),
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        )
        snippet = response.raw.read(300, decode_content=True) or b""
        response.close()
    except (requests.Timeout, urllib3.exceptions.TimeoutError) as exc:
        return Result(Outcome.retry, error=f"time-out after {timeout:g}s: {type(exc).__name__}", duration_ms=elapsed())
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        failure = f"connection failed: {type(exc).__name__}: {exc}"[:500]
        return Result(Outcome.retry, error=failure, duration_ms=elapsed())
    finally:
        session.close()
    outcome, retry_after = classify(response.status_code, response.headers.get("Retry-After"), now)
    error: str | None = None
    if outcome != Outcome.delivered:
        reason = "redirect not followed" if 300 <= response.status_code < 400 else response.reason
        text = snippet.decode("utf-8", "replace")[:200]
        error = f"HTTP {response.status_code} {reason}: {text}".strip().rstrip(":")
    return Result(outcome, response.status_code, error, retry_after, elapsed())
