"""The state machine and the desk's rules: roles, notes, edits that must keep placeholders."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syndicate.api.app import create_app
from syndicate.errors import InvalidTransition
from syndicate.storage.db import Database
from syndicate.translation.states import ALLOWED, DESK, OPEN, JobState, transition
from syndicate.translation.tables import TranslationEvent, TranslationJob
from tests.api.conftest import ADMIN, EDITOR, NEWSROOM
from tests.helpers import article
from tests.translation.conftest import Configure, job_for

TRANSLATOR = {"Authorization": "Bearer translator-secret"}


def test_the_state_machine() -> None:
    s = JobState
    assert ALLOWED[s.queued] == {s.drafted, s.in_review, s.failed, s.stale, s.cancelled}
    assert s.published not in ALLOWED[s.drafted], "nothing is published without an approval"
    assert ALLOWED[s.published] == {s.cancelled}, "a published translation only goes away with its source"
    assert ALLOWED[s.stale] == ALLOWED[s.cancelled] == frozenset()
    for state in OPEN:
        assert {s.stale, s.cancelled} <= ALLOWED[state]
    assert DESK <= OPEN


def test_every_transition_is_recorded_and_a_forbidden_one_refused(db: Database) -> None:
    with db.transaction() as session:
        job = _bare_job(session)
        transition(session, job, JobState.drafted, actor="backend:google", note="machine draft")
        with pytest.raises(InvalidTransition, match="it cannot become published"):
            transition(session, job, JobState.published, actor="editor-0")
        events = [(e.actor, e.from_state, e.to_state, e.note) for e in session.query(TranslationEvent)]
    assert events == [("backend:google", "queued", "drafted", "machine draft")]


def _bare_job(session: Session) -> TranslationJob:
    from syndicate.storage.models import Article, ArticleVersion, Story
    from syndicate.storage.types import utcnow

    story = Story()
    session.add(story)
    session.flush()
    now = utcnow()
    source = Article(
        newsroom_id="s-1", story_id=story.id, language="en", current_version=1, status="published",
        section="world", published_at=now, modified_at=now,
    )  # fmt: skip
    session.add(source)
    session.flush()
    version = ArticleVersion(article_id=source.id, version=1, status="published", document={}, content_hash="x")
    session.add(version)
    session.flush()
    job = TranslationJob(
        source_article_id=source.id, source_version=1, source_version_id=version.id, story_id=story.id,
        source_language="en", target_language="ckb", section="world", state="queued", skeleton="",
    )  # fmt: skip
    session.add(job)
    session.flush()
    return job


@pytest.fixture
def client(configure: Configure) -> TestClient:
    settings = configure(translation_policy={"targets": ["ckb", "kmr"]})
    app = TestClient(create_app(settings))
    app.post("/v1/articles", json=article(), headers=NEWSROOM)
    return app


def test_roles(client: TestClient, db: Database) -> None:
    job = job_for(db, "ckb")
    for headers in (TRANSLATOR, EDITOR):
        assert client.get("/v1/translation/jobs", headers=headers).status_code == 200
        assert client.get(f"/v1/translation/jobs/{job.id}/xliff", headers=headers).status_code == 200
    for headers in (NEWSROOM, ADMIN):
        assert client.get("/v1/translation/jobs", headers=headers).status_code == 403
    assert client.get("/v1/translation/jobs").status_code == 401
    for action in ("approve", "retry"):
        assert client.post(f"/v1/translation/jobs/{job.id}/{action}", headers=TRANSLATOR).status_code == 403
    assert client.get("/v1/translation/backends", headers=ADMIN).status_code == 200
    assert client.get("/v1/translation/backends", headers=TRANSLATOR).status_code == 403


def test_listing_filters_by_language_and_state(client: TestClient) -> None:
    jobs = client.get("/v1/translation/jobs?language=kmr", headers=TRANSLATOR).json()["jobs"]
    assert [(j["target_language"], j["state"]) for j in jobs] == [("kmr", "in_review")]
    assert client.get("/v1/translation/jobs?state=published", headers=TRANSLATOR).json()["jobs"] == []
    bad = client.get("/v1/translation/jobs?state=done", headers=TRANSLATOR)
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "state"
    assert client.get("/v1/translation/jobs/9999", headers=TRANSLATOR).status_code == 404


def test_edits_must_keep_every_placeholder(client: TestClient, db: Database) -> None:
    job = job_for(db, "ckb")
    view = client.get(f"/v1/translation/jobs/{job.id}", headers=TRANSLATOR).json()
    headline = next(s for s in view["segments"] if s["key"] == "headline")
    assert headline["source_masked"] == '<x id="1"/> water project to serve <x id="2"/> residents by summer'
    response = client.put(
        f"/v1/translation/jobs/{job.id}/segments",
        json={"segments": {"headline": 'پرۆژەی ئاوی <x id="1"/>', "nope": "x"}},
        headers=TRANSLATOR,
    )
    assert response.status_code == 422
    assert {(p["field"], p["message"]) for p in response.json()["problems"]} == {
        ("segments.headline", "placeholder #2 lost"),
        ("segments.nope", "no such segment in this job"),
    }


def test_approval_needs_every_segment_and_rejection_needs_a_note(client: TestClient, db: Database) -> None:
    job = job_for(db, "ckb")
    missing = client.post(f"/v1/translation/jobs/{job.id}/approve", headers=EDITOR)
    assert missing.status_code == 422
    assert "segments.headline" in {p["field"] for p in missing.json()["problems"]}
    assert client.post(f"/v1/translation/jobs/{job.id}/reject", json={"note": " "}, headers=EDITOR).status_code == 422
    rejected = client.post(f"/v1/translation/jobs/{job.id}/reject", json={"note": "Use Sorani names"}, headers=EDITOR)
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert rejected.json()["note"] == "Use Sorani names"
    again = client.post(f"/v1/translation/jobs/{job.id}/reject", json={"note": "twice"}, headers=EDITOR)
    assert again.status_code == 409 and "rejected; it cannot become rejected" in again.json()["detail"]
