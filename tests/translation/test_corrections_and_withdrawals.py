"""Corrections make jobs stale and re-send only what changed; withdrawals take translations down everywhere."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from syndicate.errors import InvalidTransition
from syndicate.partners.tables import PartnerItem
from syndicate.pipeline.outbox import NullDispatcher, unit_of_work
from syndicate.pipeline.run import InlineDispatcher
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.pipeline.sweeper import sweep
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, Feed, FeedEntry, Payload
from syndicate.storage.types import utcnow
from syndicate.translation import desk, step
from syndicate.translation.states import JobState
from syndicate.translation.tables import TranslationEvent, TranslationJob
from tests.conftest import BACKENDS
from tests.helpers import article
from tests.partners.support import add_partner
from tests.translation.conftest import Configure, ingest, job_for, jobs, segments
from tests.translation.providers import Provider

BODY_V1 = "<p>The ministry said a new plant will open in June.</p><p>Residents have relied on tankers.</p>"
BODY_V2 = "<p>The ministry said a new plant will open in June.</p><p>Residents relied on water tankers for years.</p>"


def approve(db: Database, settings: Settings, job_id: int) -> str:
    with unit_of_work(db, InlineDispatcher(db, settings), settings.step_deadline_seconds) as uow:
        return desk.approve(uow, settings, job_id, actor="editor-0").state


def quietly(db: Database, settings: Settings, doc: dict[str, Any]) -> None:
    """Ingest without running the owed steps: the version is stored, not processed yet."""
    ingest_sources(db, NullDispatcher(), settings, [Source("late", doc, len(json.dumps(doc)))])


def v2(**changes: Any) -> dict[str, Any]:
    return article(
        version=2,
        status="corrected",
        body_html=BODY_V2,
        standfirst="The plant is 80 percent complete.",
        correction_note="An earlier version misstated how long residents relied on tankers.",
        updated_at="2020-01-22T09:00:00+03:00",
        **changes,
    )


@pytest.fixture
def kmr_by_google(configure: Configure) -> Settings:
    return configure({"en>kmr": ["memory", "google", "human"]}, translation_policy={"targets": ["kmr"]})


def test_a_correction_makes_the_job_stale_and_re_sends_only_changed_segments(
    kmr_by_google: Settings, providers: dict[str, Provider], db: Database
) -> None:
    google = providers["google"]
    ingest(db, kmr_by_google, article(body_html=BODY_V1))
    first = job_for(db, "kmr", 1)
    assert first.state == JobState.drafted
    before = list(google.texts_sent)
    assert len(before) == 5  # headline, standfirst, two paragraphs, caption
    dateline = segments(db, first.id)["dateline"]
    assert dateline.draft_origin == "copy", "names and punctuation only: nothing to send"

    ingest(db, kmr_by_google, v2())
    assert job_for(db, "kmr", 1).state == JobState.stale
    second = job_for(db, "kmr", 2)
    assert second.state == JobState.drafted
    new = google.texts_sent[len(before) :]
    segs = segments(db, second.id)
    # Only the changed paragraph and the new correction note went out again.
    assert new == [segs["body.2"].source_text, segs["correction_note"].source_text]
    assert (
        segs["body.1"].draft_origin == "machine:google"
        and segs["body.1"].draft_text == segments(db, first.id)["body.1"].draft_text
    )
    # A corrected number is a placeholder: the standfirst was not re-sent, yet it will say 80.
    assert segs["standfirst"].source_text == segments(db, first.id)["standfirst"].source_text

    assert approve(db, kmr_by_google, second.id) == JobState.published
    with db.read() as session:
        translation = session.scalars(select(Article).where(Article.origin == "translation")).one()
        doc = session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == translation.id)).one().document
    assert "80" in doc["standfirst"] and "70" not in doc["standfirst"]
    assert doc["status"] == "corrected" and doc["correction_note"].startswith("[ku] ")
    with pytest.raises(InvalidTransition):
        approve(db, kmr_by_google, first.id)


def test_an_approval_that_races_a_correction_never_publishes_the_old_text(
    kmr_by_google: Settings, providers: dict[str, Provider], db: Database
) -> None:
    ingest(db, kmr_by_google, article(body_html=BODY_V1))
    job = job_for(db, "kmr", 1)
    quietly(db, kmr_by_google, v2())  # stored, not processed: the job does not know yet
    assert approve(db, kmr_by_google, job.id) == JobState.stale
    with db.read() as session:
        assert session.scalars(select(Article).where(Article.origin == "translation")).all() == []
        notes = session.scalars(select(TranslationEvent.note).where(TranslationEvent.job_id == job.id)).all()
    assert any("the source has version 2" in (n or "") for n in notes)


def test_a_correction_while_the_machine_works_ends_with_the_job_stale(
    kmr_by_google: Settings, providers: dict[str, Provider], db: Database
) -> None:
    google = providers["google"]
    corrected: list[bool] = []

    def correct_once(_request: dict[str, Any]) -> None:
        # The newsroom corrects the story while the provider is still answering.
        if not corrected:
            corrected.append(True)
            quietly(db, kmr_by_google, v2())

    google.on_request = correct_once
    ingest(db, kmr_by_google, article(body_html=BODY_V1))
    first = job_for(db, "kmr", 1)
    assert first.state == JobState.stale
    machine = [s for s in segments(db, first.id).values() if (s.draft_origin or "").startswith("machine")]
    assert machine == [], "drafts of a stale job are not stored"
    sent = len(google.texts_sent)

    # The owed process step of v2 plans the new job; the answers the stale job paid for are in the
    # cache, so only the changed segments go out; it stays unpublished until approved.
    sweep(db, InlineDispatcher(db, kmr_by_google), kmr_by_google, now=utcnow() + timedelta(hours=1))
    second = job_for(db, "kmr", 2)
    assert second.state == JobState.drafted
    segs = segments(db, second.id)
    assert google.texts_sent[sent:] == [segs["body.2"].source_text, segs["correction_note"].source_text]
    with db.read() as session:
        assert session.scalars(select(Article).where(Article.origin == "translation")).all() == []


def published_everywhere(db: Database) -> dict[str, Any]:
    with db.read() as session:
        translations = session.scalars(select(Article).where(Article.origin == "translation")).all()
        feeds = {
            f.key: session.scalars(select(FeedEntry.article_id).where(FeedEntry.feed_id == f.id)).all()
            for f in session.scalars(select(Feed))
        }
        latest = {}
        for t in translations:
            version = session.scalars(
                select(ArticleVersion).where(
                    ArticleVersion.article_id == t.id, ArticleVersion.version == t.current_version
                )
            ).one()
            body = session.scalar(
                select(Payload.body).where(Payload.version_id == version.id, Payload.format == "ninjs")
            )
            latest[t.language] = json.loads(body) if body else None
    return {"translations": translations, "feeds": feeds, "payloads": latest}


def test_withdrawing_the_source_withdraws_every_translation_everywhere(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure({"*": ["memory", "google", "human"]})
    ingest(db, settings, article())
    for lang in ("ckb", "kmr"):
        assert approve(db, settings, job_for(db, lang).id) == JobState.published
    open_job = job_for(db, "ar")  # drafted, not approved yet
    before = published_everywhere(db)
    assert {t.language for t in before["translations"]} == {"ckb", "kmr"}
    assert before["feeds"]["ckb"] and before["feeds"]["kmr"]

    ingest(db, settings, {"id": "t-1", "version": 2, "status": "withdrawn", "reason": "legal"})

    after = published_everywhere(db)
    assert all(t.withdrawn and not t.released for t in after["translations"])
    for key, members in after["feeds"].items():
        assert members == [], f"{key} still lists a withdrawn article"
    for lang in ("ckb", "kmr"):
        assert after["payloads"][lang]["pubstatus"] == "canceled"
    assert {j.state for j in jobs(db)} == {JobState.cancelled}
    with pytest.raises(InvalidTransition):
        approve(db, settings, open_job.id)


def test_the_newsrooms_own_version_supersedes_a_machine_translation(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure({"*": ["memory", "google", "human"]}, translation_policy={"targets": ["kmr", "ar"]})
    ingest(db, settings, article())
    approve(db, settings, job_for(db, "kmr").id)
    own = article(id="t-1-kmr", language="kmr", translation_of="t-1", headline="Projeya avê ya Hewlêrê")
    ingest(db, settings, own)
    assert job_for(db, "kmr").state == JobState.cancelled
    assert job_for(db, "ar").state == JobState.drafted
    with db.read() as session:
        ours = session.scalars(select(Article).where(Article.origin == "translation")).one()
        kmr_feed = session.scalars(select(Feed).where(Feed.key == "kmr")).one()
        members = session.scalars(select(FeedEntry.article_id).where(FeedEntry.feed_id == kmr_feed.id)).all()
        theirs = session.scalars(select(Article).where(Article.newsroom_id == "t-1-kmr")).one()
    assert ours.withdrawn and members == [theirs.id]


def test_a_correction_after_publication_becomes_the_next_version_of_the_translation(
    kmr_by_google: Settings, providers: dict[str, Provider], db: Database
) -> None:
    ingest(db, kmr_by_google, article(body_html=BODY_V1))
    assert approve(db, kmr_by_google, job_for(db, "kmr", 1).id) == JobState.published
    ingest(db, kmr_by_google, v2())
    assert job_for(db, "kmr", 1).state == JobState.published, "published history stays as it was"
    second = job_for(db, "kmr", 2)
    # The approved v1 text was carried over: only what changed went to the machine.
    carried = {k for k, s in segments(db, second.id).items() if (s.draft_origin or "").startswith("carried:")}
    assert carried == {"headline", "standfirst", "body.1", "media.0.caption"}
    assert approve(db, kmr_by_google, second.id) == JobState.published
    with db.read() as session:
        translation = session.scalars(select(Article).where(Article.origin == "translation")).one()
        versions = session.scalars(
            select(ArticleVersion.status)
            .where(ArticleVersion.article_id == translation.id)
            .order_by(ArticleVersion.version)
        ).all()
    assert (translation.current_version, versions) == (2, ["published", "corrected"])


# --- A correction or withdrawal racing the machine step (PostgreSQL: concurrent writers) ---

postgres_only = pytest.mark.parametrize("db_url", [b for b in BACKENDS if b == "postgresql"], indirect=True)
WITHDRAWAL = {"id": "t-1", "version": 2, "status": "withdrawn", "reason": "legal"}
RACERS = {"correction": v2(), "withdrawal": WITHDRAWAL}


@pytest.fixture
def ar_machine(configure: Configure, db: Database) -> Settings:
    """Arabic drafts published at once (labelled), and a partner taking Arabic."""
    settings = configure(
        {"en>ar": ["memory", "google", "human"]}, translation_policy={"targets": ["ar"], "publish": "machine"}
    )
    add_partner(db, settings, "arabic", languages=["ar"])
    return settings


def translation_state(db: Database) -> tuple[list[tuple[int, bool, bool]], list[tuple[int, str]]]:
    """The Arabic translation's (version, released, withdrawn) and the partner's (version, kind) items."""
    with db.read() as session:
        translations = session.scalars(select(Article).where(Article.origin == "translation")).all()
        items = session.scalars(select(PartnerItem).order_by(PartnerItem.seq)).all()
        return (
            [(t.current_version, t.released, t.withdrawn) for t in translations],
            [(i.version, i.kind) for i in items],
        )


@postgres_only
@pytest.mark.parametrize("racer", sorted(RACERS))
def test_a_change_committed_before_the_step_locks_the_source_is_seen(
    ar_machine: Settings, providers: dict[str, Provider], db: Database, monkeypatch: pytest.MonkeyPatch, racer: str
) -> None:
    """The step's transaction already holds a copy of the source; the change must still be seen."""
    original = step._apply
    held: list[Any] = []  # the session's identity map keeps only objects someone refers to

    def racing(uow: Any, settings: Settings, work: Any, drafts: Any) -> bool:
        job = uow.session.get(TranslationJob, work.job_id)
        held.append(uow.session.get(Article, job.source_article_id))  # unlocked read: v1, not withdrawn
        quietly(db, settings, RACERS[racer])  # commits in a transaction of its own
        return original(uow, settings, work, drafts)

    monkeypatch.setattr(step, "_apply", racing)
    ingest(db, ar_machine, article())
    expected = JobState.stale if racer == "correction" else JobState.cancelled
    assert job_for(db, "ar", 1).state == expected
    translations, items = translation_state(db)
    assert translations == [] and items == [], "nothing of the old version may be published"


def blocked_by(db: Database, holder: int, finished: threading.Event) -> bool:
    """Wait until a backend waits for a lock ``holder`` holds (True) or the racer finished unhindered (False)."""
    deadline = time.monotonic() + 60  # a guard against hanging, not a measurement
    with db.engine.connect() as conn:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
        while time.monotonic() < deadline:
            waiting = conn.execute(query, {"pid": holder}).scalar()
            conn.rollback()  # pg_stat_activity is a snapshot per transaction: take a new one each time
            if waiting:
                return True
            if finished.is_set():
                return False
            time.sleep(0.01)
    raise AssertionError("the racing ingest neither finished nor waited for a lock")


@postgres_only
@pytest.mark.parametrize("racer", sorted(RACERS))
def test_a_change_arriving_while_the_step_publishes_waits_and_then_supersedes_it(
    ar_machine: Settings, providers: dict[str, Provider], db: Database, monkeypatch: pytest.MonkeyPatch, racer: str
) -> None:
    """The newsroom sends the change while the step is about to publish: it waits for the source lock."""
    original = step.publish
    finished = threading.Event()
    waited: list[bool] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            quietly(db, ar_machine, RACERS[racer])
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            finished.set()

    racer_thread = threading.Thread(target=send)

    def racing_publish(uow: Any, settings: Settings, job: TranslationJob, **kw: Any) -> Any:
        if not racer_thread.is_alive() and not finished.is_set():
            holder = int(uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one())
            racer_thread.start()
            waited.append(blocked_by(db, holder, finished))
        return original(uow, settings, job, **kw)

    monkeypatch.setattr(step, "publish", racing_publish)
    ingest(db, ar_machine, article())
    racer_thread.join()
    assert not errors, errors
    assert waited == [True], "the change committed while the step held an unlocked copy of the source"
    # v1 was published while the source still was v1; the change then runs its owed steps.
    sweep(db, InlineDispatcher(db, ar_machine), ar_machine, now=utcnow() + timedelta(hours=1))
    translations, items = translation_state(db)
    if racer == "correction":
        # v1's job was published as a machine draft; v2 made it stale and its own draft is published.
        assert (job_for(db, "ar", 1).state, job_for(db, "ar", 1).published_version) == (JobState.stale, 1)
        assert (job_for(db, "ar", 2).state, job_for(db, "ar", 2).published_version) == (JobState.drafted, 2)
        assert translations == [(2, True, False)]
        assert items == [(1, "new"), (2, "correction")]
    else:
        assert {j.state for j in jobs(db)} == {JobState.cancelled}
        assert translations == [(2, False, True)]
        # The partner got nothing (the fan-out ran after the withdrawal) or the item and then its cancellation.
        assert items in ([], [(1, "new"), (2, "withdrawal")])


def test_a_withdrawn_translation_is_never_published_again(
    ar_machine: Settings, providers: dict[str, Provider], db: Database
) -> None:
    ingest(db, ar_machine, article())
    ingest(db, ar_machine, WITHDRAWAL)
    # The newsroom puts the story back up: its translation stays down (it would need its own decision).
    ingest(db, ar_machine, article(version=3, headline="Erbil water project back on schedule"))
    job = job_for(db, "ar", 3)
    assert job.state == JobState.cancelled and job.published_version is None
    with db.read() as session:
        notes = session.scalars(select(TranslationEvent.note).where(TranslationEvent.job_id == job.id)).all()
    assert "the translation was withdrawn" in notes
    translations, items = translation_state(db)
    assert translations == [(2, False, True)]
    assert items == [(1, "new"), (2, "withdrawal")]
