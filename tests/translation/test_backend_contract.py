"""The contract every backend passes, each against its provider's format on a real local HTTP server.

Machine backends: batches keep their order and placeholders; 429 waits for
Retry-After; 5xx, malformed JSON and time-outs are retried with back-off and
end in TransientError when they persist; a dropped or reordered placeholder
fails that segment; any other 4xx fails with the provider's own message.
The memory and the human desk pass the parts of the contract that apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy.orm import Session

from syndicate.errors import BackendError, TransientError
from syndicate.settings import Settings
from syndicate.translation.backends import build
from syndicate.translation.backends.base import Backend, BackendContext, Segment
from syndicate.translation.placeholders import mask_html, mask_plain
from syndicate.translation.terms import protected_terms
from tests.translation.providers import PREFIXES, SIMULATORS, Provider, backend_env, mark

MACHINES = sorted(SIMULATORS)


@contextmanager
def no_database() -> Iterator[Session]:
    raise AssertionError("a provider backend must not touch the database")
    yield  # pragma: no cover


class Sleeps(list[float]):
    """Records the back-off delays a backend asked for, and waits them for real."""

    def __call__(self, seconds: float) -> None:
        import time

        self.append(seconds)
        time.sleep(seconds)


def make(name: str, provider: Provider, sleeps: Sleeps, *, timeout: float = 5.0, **cfg: Any) -> Backend:
    settings = Settings(
        **{f"translation_{name}": {**backend_env(name, provider, timeout), **cfg}},
        translation_backoff_seconds=0.01,
        translation_retry_attempts=3,
    )
    backend = build(name, BackendContext(no_database, settings, sleeps))
    assert backend is not None
    return backend


@pytest.fixture(params=MACHINES)
def machine(request: pytest.FixtureRequest, server: HTTPServer) -> tuple[str, Provider]:
    name = request.param
    return name, SIMULATORS[name](server, prefix=PREFIXES[name]).install()


def segments() -> list[Segment]:
    terms = protected_terms("en", "ckb")
    body = mask_html('Said <a href="https://gov.krd/x">the ministry</a> in Erbil on 21 March.', terms)
    headline = mask_plain("Erbil water project to serve 400,000 residents", terms)
    plain = mask_plain("Residents relied on tankers for years.")
    return [
        Segment("body.1", body.text, body.placeholders),
        Segment("headline", headline.text, headline.placeholders),
        Segment("body.2", plain.text, plain.placeholders),
    ]


def test_translates_a_batch_in_order_keeping_placeholders(machine: tuple[str, Provider]) -> None:
    name, provider = machine
    backend = make(name, provider, Sleeps())
    answers = backend.translate("en", "ar", segments())
    code = backend.code("ar")
    assert [a.key for a in answers] == ["body.1", "headline", "body.2"]
    assert [a.text for a in answers] == [mark(s.text, code) for s in segments()]
    assert all(a.error is None for a in answers)
    assert provider.texts_sent == [s.text for s in segments()]
    assert {r["target"] for r in provider.requests} == {code}


def test_429_waits_for_retry_after_then_succeeds(machine: tuple[str, Provider]) -> None:
    name, provider = machine
    sleeps = Sleeps()
    provider.fail("429")
    answers = make(name, provider, sleeps).translate("en", "ar", segments()[:1])
    assert answers[0].text is not None
    assert sleeps == [1.0], "Retry-After: 1 must replace the computed back-off"


def test_500_is_retried_with_exponential_backoff(machine: tuple[str, Provider]) -> None:
    name, provider = machine
    sleeps = Sleeps()
    provider.fail("500", "500")
    answers = make(name, provider, sleeps).translate("en", "ar", segments()[:1])
    assert answers[0].text is not None
    assert sleeps == [0.01, 0.02]


def test_persistent_5xx_is_a_transient_error(machine: tuple[str, Provider]) -> None:
    name, provider = machine
    provider.fail("500", "500", "500")
    with pytest.raises(TransientError, match="HTTP 500: internal error"):
        make(name, provider, Sleeps()).translate("en", "ar", segments()[:1])
    assert len(provider.requests) == 3


def test_malformed_json_is_retried(machine: tuple[str, Provider]) -> None:
    name, provider = machine
    provider.fail("malformed")
    assert make(name, provider, Sleeps()).translate("en", "ar", segments()[:1])[0].text is not None
    provider.fail("malformed", "malformed", "malformed")
    with pytest.raises(TransientError, match="malformed answer"):
        make(name, provider, Sleeps()).translate("en", "ar", segments()[:1])


def test_a_dropped_placeholder_fails_the_segment(machine: tuple[str, Provider]) -> None:
    name, provider = machine
    provider.fail("drop")
    [answer] = make(name, provider, Sleeps()).translate("en", "ar", segments()[:1])
    assert answer.text is None
    assert answer.error is not None and "placeholder #1 lost" in answer.error


def test_reordered_placeholders_fail_the_segment(machine: tuple[str, Provider]) -> None:
    name, provider = machine
    provider.fail("reorder")
    [answer] = make(name, provider, Sleeps()).translate("en", "ar", segments()[:1])
    assert answer.text is None and "reordered" in (answer.error or "")


def test_other_4xx_fails_with_the_providers_message_without_retry(machine: tuple[str, Provider]) -> None:
    name, provider = machine
    provider.fail("400")
    with pytest.raises(BackendError, match="HTTP 400: language pair not supported"):
        make(name, provider, Sleeps()).translate("en", "ar", segments()[:1])
    assert len(provider.requests) == 1


# (backend settings, what the provider answers) for wrong or missing credentials, per provider.
REFUSALS: dict[str, list[tuple[dict[str, Any], str]]] = {
    "libretranslate": [
        ({"api_key": "wrong"}, r"HTTP 403: Invalid API key$"),
        ({}, r"HTTP 400: Please contact the server operator to get an API key$"),
    ],
    "google": [({"api_key": "wrong"}, r"HTTP 401: invalid credentials \(code 401\)$")],
    "microsoft": [({"api_key": "wrong"}, r"HTTP 401: invalid credentials \(code 401000\)$")],
    "openai": [
        ({"api_key": "sk-wrong-key"}, r"HTTP 401: Incorrect API key provided: sk-\*\*\*ey\. \(code invalid_api_key\)$"),
        ({"api_key": None}, r"HTTP 401: You didn't provide an API key\."),
        ({"model": "other"}, r"HTTP 404: The model `other` does not exist"),
    ],
}


@pytest.mark.parametrize(("name", "config", "message"), [(n, c, m) for n, cases in REFUSALS.items() for c, m in cases])
def test_refused_credentials_fail_with_the_providers_message_without_retry(
    server: HTTPServer, name: str, config: dict[str, Any], message: str
) -> None:
    provider = SIMULATORS[name](server, prefix=PREFIXES[name]).install()
    if name == "libretranslate":
        provider.api_key = "right"  # type: ignore[attr-defined]  # an instance with keys switched on
    with pytest.raises(BackendError, match=message):
        make(name, provider, Sleeps(), **config).translate("en", "ar", segments()[:1])
    assert len(provider.requests) == 1


def test_escaped_text_comes_back_escaped(machine: tuple[str, Provider]) -> None:
    """LibreTranslate unescapes what it returns: "&lt;b&gt;" must not come back as markup."""
    name, provider = machine
    masked = mask_html("Q&amp;A: why &lt;b&gt; is text, and <em>AT&amp;T</em> a name")
    segment = Segment("body.1", masked.text, masked.placeholders)
    backend = make(name, provider, Sleeps())
    [answer] = backend.translate("en", "ar", [segment])
    assert answer.text == mark(masked.text, backend.code("ar")), answer.error


def test_a_stalled_answer_times_out_and_is_retried(machine: tuple[str, Provider]) -> None:
    name, provider = machine
    provider.stall_seconds = 1.0
    provider.fail("stall")
    sleeps = Sleeps()
    [answer] = make(name, provider, sleeps, timeout=0.3).translate("en", "ar", segments()[:1])
    assert answer.text is not None
    assert len(provider.requests) == 2 and sleeps == [0.01]


def test_a_long_retry_after_is_not_slept_inside_the_task(machine: tuple[str, Provider]) -> None:
    """Longer than the in-task limit: the hint travels with the error to the outbox."""
    name, provider = machine
    provider.fail("429")
    sleeps = Sleeps()
    backend = make(name, provider, sleeps)
    backend.http.policy = type(backend.http.policy)(attempts=3, backoff=0.01, max_backoff=0.5, max_wait=0.5)  # type: ignore[attr-defined]
    with pytest.raises(TransientError) as caught:
        backend.translate("en", "ar", segments()[:1])
    assert caught.value.retry_after == 1.0 and sleeps == []


@pytest.mark.parametrize("name", ["memory", "human"])
def test_store_and_desk_backends_answer_per_segment_without_a_provider(name: str, db: Any, settings: Settings) -> None:
    from syndicate.translation import memory
    from syndicate.translation.step import side_sessions

    class Uow:
        session = db.sessions()

    sessions = side_sessions(Uow())  # type: ignore[arg-type]
    with sessions() as session:
        first = segments()[0]
        memory.remember(session, "en", "ar", [(first.text, mark(first.text, "ar"))], origin="test")
    backend = build(name, BackendContext(sessions, settings))
    assert backend is not None
    answers = backend.translate("en", "ar", segments())
    assert [a.key for a in answers] == ["body.1", "headline", "body.2"]
    if name == "memory":
        assert answers[0].text == mark(first.text, "ar") and answers[0].score == 100.0
        assert [a.text for a in answers[1:]] == [None, None]
    else:
        assert all(a.text is None and a.error is None for a in answers)
