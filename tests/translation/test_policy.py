"""Per-section and per-language policy: who gets a job, and whether a machine draft may go out at once."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from syndicate.api.app import create_app
from syndicate.errors import ValidationFailed
from syndicate.languages.i18n import gettext
from syndicate.pipeline.run import InlineDispatcher
from syndicate.pipeline.sweeper import sweep
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, Feed, FeedEntry, Payload
from syndicate.storage.types import utcnow
from syndicate.translation.policy import TranslationPolicy, load_policy
from syndicate.translation.states import JobState
from tests.api.conftest import EDITOR
from tests.helpers import article, assert_valid_newsml, parse_feed
from tests.partners.support import add_partner, issue_key
from tests.translation.conftest import Configure, ingest, job_for, jobs, segments
from tests.translation.providers import Provider

POLICY = {
    "targets": ["en", "ckb", "kmr", "ar"],
    "languages": {"ar": {"publish": "machine"}},
    "sections": {"opinion": {"targets": []}, "sport": {"targets": ["kmr"], "publish": {"kmr": "machine"}}},
}


def test_targets_and_publish_modes_resolve_per_section_then_language() -> None:
    policy = TranslationPolicy.model_validate(POLICY)
    assert policy.targets_for("kurdistan", "en") == ["ckb", "kmr", "ar"]
    assert policy.targets_for("kurdistan", "ckb") == ["en", "kmr", "ar"]
    assert policy.targets_for("opinion", "en") == []
    assert policy.targets_for("sport", "en") == ["kmr"]
    assert policy.publish_mode("kurdistan", "ckb") == "review"  # the default
    assert policy.publish_mode("kurdistan", "ar") == "machine"
    assert policy.publish_mode("sport", "kmr") == "machine"


def test_a_policy_file_is_read_and_a_bad_one_is_reported(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(POLICY))
    loaded = load_policy(settings.model_copy(update={"translation_policy_file": path}))
    assert loaded.targets_for("opinion", "en") == []
    path.write_text(json.dumps({"targets": ["fr"]}))
    with pytest.raises(ValidationFailed, match="unknown language"):
        load_policy(settings.model_copy(update={"translation_policy_file": path}))


def test_sections_without_translation_get_no_jobs(configure: Configure, db: Database) -> None:
    settings = configure(translation_policy=POLICY)
    ingest(db, settings, article(section="opinion"))
    assert jobs(db) == []
    ingest(db, settings, article(id="t-2", section="sport"))
    assert [j.target_language for j in jobs(db)] == ["kmr"]


def test_a_machine_draft_publishes_at_once_labelled_and_still_goes_to_review(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure({"*": ["memory", "google", "human"]}, translation_policy=POLICY)
    client = TestClient(create_app(settings))
    ingest(db, settings, article())
    ar, ckb = job_for(db, "ar"), job_for(db, "ckb")
    assert ckb.state == JobState.drafted and not ckb.machine_published  # review first: nothing out
    assert ar.state == JobState.drafted and ar.machine_published and ar.published_version == 1

    with db.read() as session:
        published = session.scalars(select(Article).where(Article.origin == "translation")).one()
        payload = session.scalars(
            select(Payload.body)
            .join(ArticleVersion)
            .where(ArticleVersion.article_id == published.id, Payload.format == "ninjs")
        ).one()
    assert (published.language, published.machine_translated) == ("ar", True)
    feed = parse_feed(client.get("/feeds/ar/atom.xml").content, "application/atom+xml")
    assert feed.entries[0].title.startswith("[ar] ")
    assert json.loads(payload)["language"] == "ar"

    # Still on the desk; approval publishes a reviewed version without the label.
    listed = client.get("/v1/translation/jobs?language=ar", headers=EDITOR).json()["jobs"]
    assert [j["id"] for j in listed] == [ar.id]
    approved = client.post(f"/v1/translation/jobs/{ar.id}/approve", headers=EDITOR).json()
    assert approved["state"] == "published"
    assert approved["translation"]["version"] == 2 and approved["translation"]["machine_translated"] is False
    actions = [e["action"] for e in approved["events"]]
    assert actions == ["planned", "drafted", "published_draft", "approved", "published"]


def test_the_machine_label_belongs_to_the_version_it_was_published_with(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure(
        {"*": ["memory", "google", "human"]}, translation_policy={"targets": ["ar"], "publish": "machine"}
    )
    add_partner(db, settings, "arabic", languages=["ar"], formats=["ninjs", "newsml"])
    key = {"Authorization": f"Bearer {issue_key(db, 'arabic')}"}
    client = TestClient(create_app(settings))
    ingest(db, settings, article())
    job = job_for(db, "ar")
    note = gettext("ar", "Machine-translated from {language}; not yet reviewed by an editor").format(
        language=gettext("ar", "English")
    )
    [draft] = client.get("/v1/partner/items", headers=key).json()["items"]
    assert note in draft["payload"]["ednote"]
    assert client.post(f"/v1/translation/jobs/{job.id}/approve", headers=EDITOR).status_code == 200

    # A partner may still pull the machine draft: it says what it is; the reviewed version does not.
    items = client.get("/v1/partner/items", headers=key).json()["items"]
    assert [(i["version"], note in i["payload"].get("ednote", "")) for i in items] == [(1, True), (2, False)]
    first = client.get("/v1/partner/items/t-1.ar", params={"version": 1}, headers=key)
    assert note in first.json()["ednote"]
    second = client.get("/v1/partner/items/t-1.ar", params={"version": 2}, headers=key).json()
    assert "ednote" not in second and second["version"] == "2"
    g2 = client.get("/v1/partner/items/t-1.ar", params={"version": 1, "format": "newsml"}, headers=key)
    assert note in [n.text for n in assert_valid_newsml(g2.content).iter("{*}edNote")]
    feed = parse_feed(client.get("/feeds/ar/atom.xml").content, "application/atom+xml")
    assert "machine-translation" not in [t.term for t in feed.entries[0].get("tags", [])]
    assert version_labels(db) == [(1, True), (2, False)]


def test_carried_edits_nobody_approved_are_published_as_unreviewed(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure(
        {"*": ["memory", "google", "human"]}, translation_policy={"targets": ["ar"], "publish": "machine"}
    )
    client = TestClient(create_app(settings))
    translator = {"Authorization": "Bearer translator-secret"}
    ingest(db, settings, article())
    first = job_for(db, "ar", 1)
    # A translator rewrites every segment, then an editor rejects the work: none of it is approved.
    edits = {k: f"(edited) {s.draft_text}" for k, s in segments(db, first.id).items() if s.draft_origin != "copy"}
    assert client.put(f"/v1/translation/jobs/{first.id}/segments", json={"segments": edits}, headers=translator)
    assert client.post(f"/v1/translation/jobs/{first.id}/reject", json={"note": "Too loose."}, headers=EDITOR)
    # The newsroom re-tags the story: no text changed, every segment is carried over.
    ingest(db, settings, article(version=2, tags=["Erbil", "Water", "Infrastructure"]))
    second = job_for(db, "ar", 2)
    carried = {k: s.draft_origin for k, s in segments(db, second.id).items() if s.draft_origin != "copy"}
    assert carried == {k: f"unreviewed:{first.id}" for k in edits}
    assert (second.drafted_by, second.machine_published) == ("machine", True)
    assert version_labels(db) == [(1, True), (2, True)], "unapproved text goes out labelled"

    # Once an editor approves, the next correction carries reviewed text: published without the label.
    assert client.post(f"/v1/translation/jobs/{second.id}/approve", headers=EDITOR).json()["state"] == "published"
    ingest(db, settings, article(version=3, tags=["Erbil"]))
    third = job_for(db, "ar", 3)
    assert {s.draft_origin for s in segments(db, third.id).values()} == {f"carried:{second.id}", "copy"}
    assert third.drafted_by == "memory" and third.published_version == 4
    assert version_labels(db) == [(1, True), (2, True), (3, False), (4, False)]


def version_labels(db: Database) -> list[tuple[int, bool]]:
    with db.read() as session:
        rows = session.execute(
            select(ArticleVersion.version, ArticleVersion.machine_translated)
            .join(Article)
            .where(Article.origin == "translation")
            .order_by(ArticleVersion.version)
        )
        return [(v, m) for v, m in rows]


def test_a_machine_published_translation_waits_for_its_sources_embargo(
    configure: Configure, providers: dict[str, Provider], db: Database
) -> None:
    settings = configure(
        {"*": ["memory", "google", "human"]}, translation_policy={"targets": ["ar"], "publish": "machine"}
    )
    lifted = utcnow() + timedelta(hours=2)
    ingest(db, settings, article(embargo_until=lifted.isoformat()))
    assert job_for(db, "ar").machine_published
    assert released(db) == {"en": False, "ar": False}

    sweep(db, InlineDispatcher(db, settings), settings, now=lifted + timedelta(minutes=1))
    assert released(db) == {"en": True, "ar": True}
    with db.read() as session:
        ar_feed = session.scalars(select(Feed).where(Feed.key == "ar")).one()
        assert session.scalars(select(FeedEntry.article_id).where(FeedEntry.feed_id == ar_feed.id)).all()


def released(db: Database) -> dict[str, bool]:
    with db.read() as session:
        return {a.language: a.released for a in session.scalars(select(Article))}
