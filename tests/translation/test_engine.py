"""The chain of backends: fallback, the human desk, failures with reasons, retries, the cache and the breaker."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from syndicate.api.app import create_app
from syndicate.cli.main import app as cli
from syndicate.pipeline.outbox import unit_of_work
from syndicate.pipeline.run import InlineDispatcher
from syndicate.pipeline.sweeper import sweep
from syndicate.storage.db import Database
from syndicate.storage.models import Article, OutboxMessage
from syndicate.storage.types import utcnow
from syndicate.translation import desk
from syndicate.translation.states import JobState
from syndicate.translation.tables import BackendHealth, TranslationJob
from tests.api.conftest import EDITOR
from tests.helpers import article
from tests.translation.conftest import Configure, ingest, job_for, segments
from tests.translation.providers import Provider

KMR_ONLY = {"targets": ["kmr"]}


def test_a_segment_a_backend_cannot_do_goes_to_the_next_one(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure({"en>kmr": ["memory", "google", "microsoft", "human"]}, translation_policy=KMR_ONLY)
    providers["google"].fail("drop")  # the whole first batch loses a placeholder
    ingest(db, settings, article())
    job = job_for(db, "kmr")
    segs = segments(db, job.id)
    with_placeholders = {k for k, s in segs.items() if s.placeholders and s.draft_origin != "copy"}
    assert {k for k, s in segs.items() if s.draft_origin == "machine:microsoft"} == with_placeholders
    assert {k for k, s in segs.items() if s.draft_origin == "machine:google"} == (
        set(segs) - with_placeholders - {k for k, s in segs.items() if s.draft_origin == "copy"}
    )
    assert job.state == JobState.drafted and job.drafted_by == "machine"


def test_without_a_human_in_the_chain_a_refused_job_fails_with_the_reason_and_can_be_retried(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure({"en>kmr": ["memory", "google"]}, translation_policy=KMR_ONLY)
    providers["google"].fail("400")
    ingest(db, settings, article())
    job = job_for(db, "kmr")
    assert job.state == JobState.failed
    assert "google: HTTP 400: language pair not supported" in (job.failure_reason or "")
    assert segments(db, job.id)["headline"].status == "failed"

    with unit_of_work(db, InlineDispatcher(db, settings), settings.step_deadline_seconds) as uow:
        desk.retry(uow, job.id, actor="editor-0")
    assert job_for(db, "kmr").state == JobState.drafted


def test_a_refused_key_fails_the_segments_with_the_providers_message_and_keeps_the_backend_on(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    providers["libretranslate"].api_key = "right"  # type: ignore[attr-defined]
    libre = {"url": providers["libretranslate"].url, "api_key": "rotated-away"}
    routes = {"en>ar": ["memory", "libretranslate"]}
    settings = configure(routes, translation_policy={"targets": ["ar"]}, translation_libretranslate=libre)
    ingest(db, settings, article())
    job = job_for(db, "ar")
    assert job.state == JobState.failed
    failed = {s.error for s in segments(db, job.id).values() if s.status == "failed"}
    assert failed == {"libretranslate: HTTP 403: Invalid API key"}
    with db.read() as session:
        health = session.get(BackendHealth, "libretranslate")
    assert health is None or health.consecutive_failures == 0, "a refusal is not an outage"


def test_with_the_human_desk_last_a_refused_segment_waits_for_a_translator(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure({"en>kmr": ["memory", "google", "human"]}, translation_policy=KMR_ONLY)
    providers["google"].fail("400")
    ingest(db, settings, article())
    job = job_for(db, "kmr")
    assert job.state == JobState.in_review  # nothing drafted: the desk takes it
    assert "language pair not supported" in (segments(db, job.id)["headline"].error or "")


def test_a_transient_failure_keeps_the_job_queued_and_the_step_owed_with_the_providers_hint(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure(
        {"en>kmr": ["memory", "google", "human"]},
        translation_policy=KMR_ONLY,
        translation_max_backoff_seconds="0.5",  # Retry-After: 1 is longer: not slept in the task
    )
    providers["google"].fail("429")
    ingest(db, settings, article())
    job = job_for(db, "kmr")
    assert job.state == JobState.queued and "HTTP 429" in (job.last_error or "")
    with db.read() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == f"translate:{job.id}")).one()
    assert row.status == "pending" and row.attempts == 1
    assert timedelta(seconds=0) < row.due_at - utcnow() <= timedelta(seconds=1)

    sweep(db, InlineDispatcher(db, settings), settings, now=utcnow() + timedelta(seconds=2))
    assert job_for(db, "kmr").state == JobState.drafted


def test_answers_are_cached_per_backend_pair_and_segment(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure({"en>kmr": ["memory", "google", "human"]}, translation_policy=KMR_ONLY)
    ingest(db, settings, article())
    sent = len(providers["google"].texts_sent)
    ingest(db, settings, article(id="t-2", headline="A new headline for the same story"))
    # Only the new headline went out; the rest came from the cache (the memory is empty: nothing approved).
    assert providers["google"].texts_sent[sent:] == [segments(db, job_for_source(db, "t-2"))["headline"].source_text]
    assert all(
        s.draft_origin == "machine:google"
        for k, s in segments(db, job_for_source(db, "t-2")).items()
        if k != "dateline"
    )


def job_for_source(db: Database, newsroom_id: str) -> int:
    with db.read() as session:
        return session.scalars(
            select(TranslationJob.id)
            .join(Article, Article.id == TranslationJob.source_article_id)
            .where(Article.newsroom_id == newsroom_id)
        ).one()


def state(db: Database, job_id: int) -> str:
    with db.read() as session:
        job = session.get(TranslationJob, job_id)
        assert job is not None
        return job.state


def test_a_backend_that_keeps_failing_is_switched_off_and_the_state_is_visible(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure(
        {"en>kmr": ["memory", "google", "human"]},
        translation_policy=KMR_ONLY,
        translation_retry_attempts="1",
        translation_breaker_failures="2",
        translation_breaker_cooldown_seconds="600",
    )
    providers["google"].fail("500", "500")
    ingest(db, settings, article(id="a-1"))
    ingest(db, settings, article(id="a-2"))
    calls = len(providers["google"].requests)
    assert calls == 2
    assert {state(db, job_for_source(db, i)) for i in ("a-1", "a-2")} == {JobState.queued}  # owed, retried later

    # Switched off: the next article does not call Google at all and goes to the desk.
    ingest(db, settings, article(id="a-3", headline="Another story"))
    assert len(providers["google"].requests) == calls
    assert state(db, job_for_source(db, "a-3")) == JobState.in_review

    client = TestClient(create_app(settings))
    google = next(
        b for b in client.get("/v1/translation/backends", headers=EDITOR).json()["backends"] if b["name"] == "google"
    )
    assert google["state"] == "open" and google["consecutive_failures"] == 2
    assert "HTTP 500" in google["last_error"] and google["routes"] == ["en>kmr"]
    assert google["languages"] == {"ar": "ar", "ckb": "ckb", "en": "en", "kmr": "ku"}

    shown = CliRunner().invoke(cli, ["translate", "backends", "--json"])
    assert shown.exit_code == 0, shown.output
    assert '"state": "open"' in shown.output

    # Switched back on by hand; the owed jobs are sent again and a success closes the circuit.
    assert CliRunner().invoke(cli, ["translate", "backends", "--reset", "google"]).exit_code == 0
    sweep(db, InlineDispatcher(db, settings), settings, now=utcnow() + timedelta(hours=1))
    assert {state(db, job_for_source(db, i)) for i in ("a-1", "a-2")} == {JobState.drafted}
    after = next(
        b for b in client.get("/v1/translation/backends", headers=EDITOR).json()["backends"] if b["name"] == "google"
    )
    assert after["state"] == "closed" and after["consecutive_failures"] == 0 and after["last_success_at"]


def test_a_run_cut_off_by_its_time_budget_resumes_without_paying_twice(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure(
        {"en>ar": ["memory", "openai", "human"]},
        translation_policy={"targets": ["ar"]},
        task_time_limit="0.4",  # 0.2 s for providers per run
    )
    llm = providers["openai"]
    llm.stall_seconds = 0.3
    llm.fail("stall")  # a slow first answer uses the whole budget
    ingest(db, settings, article())
    job = job_for(db, "ar")
    assert job.state == JobState.queued and "time budget" in (job.last_error or "")
    assert len(llm.requests) == 1

    sweep(db, InlineDispatcher(db, settings), settings, now=utcnow() + timedelta(seconds=5))
    job = job_for(db, "ar")
    assert job.state == JobState.drafted
    sent = llm.texts_sent
    assert len(sent) == len(set(sent)) == 4, "each segment was paid for once; the first came from the cache"


def test_a_switched_off_backend_without_a_human_behind_it_postpones_the_job(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure(
        {"en>kmr": ["memory", "google"]},
        translation_policy=KMR_ONLY,
        translation_retry_attempts="1",
        translation_breaker_failures="1",
        translation_breaker_cooldown_seconds="120",
    )
    providers["google"].fail("500")
    ingest(db, settings, article(id="a-1"))
    ingest(db, settings, article(id="a-2", headline="Another story"))
    assert len(providers["google"].requests) == 1, "the second job did not call a switched-off backend"
    second = job_for_source(db, "a-2")
    assert state(db, second) == JobState.queued
    with db.read() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == f"translate:{second}")).one()
    assert timedelta(seconds=100) < row.due_at - utcnow() <= timedelta(seconds=120), "retried when it is back on"
    assert "switched off" in (row.last_error or "")


def test_a_route_with_nothing_usable_fails_with_the_reason(configure: Configure, db: Database) -> None:
    settings = configure({"en>kmr": ["memory", "google"]}, unconfigured=("google",), translation_policy=KMR_ONLY)
    ingest(db, settings, article())
    job = job_for(db, "kmr")
    assert job.state == JobState.failed
    assert "google: not configured" in (job.failure_reason or "")
