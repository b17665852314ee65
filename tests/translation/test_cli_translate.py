"""``syndicate translate``: the desk from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from syndicate.cli.main import app
from syndicate.storage.db import Database
from tests.helpers import article
from tests.translation.conftest import Configure, ingest, job_for, segments
from tests.translation.providers import Provider

runner = CliRunner()


def test_list_show_edit_export_import_approve(
    configure: Configure, providers: dict[str, Provider], db: Database, tmp_path: Path
) -> None:
    settings = configure({"en>kmr": ["memory", "google", "human"]}, translation_policy={"targets": ["kmr", "ar"]})
    ingest(db, settings, article())
    kmr, ar = job_for(db, "kmr"), job_for(db, "ar")

    listed = runner.invoke(app, ["translate", "jobs", "--language", "kmr", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [(j["id"], j["state"], j["drafted_by"]) for j in json.loads(listed.output)] == [
        (kmr.id, "drafted", "machine")
    ]
    table = runner.invoke(app, ["translate", "jobs"])
    assert "en>kmr" in table.output and "en>ar" in table.output

    shown = runner.invoke(app, ["translate", "show", str(kmr.id)])
    assert shown.exit_code == 0, shown.output
    assert "machine:google" in shown.output and "Erbil = Hewlêr" in shown.output

    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps({"headline": 'Projeya avê ya <x id="1"/>'}))
    refused = runner.invoke(app, ["translate", "submit", str(kmr.id), str(edits), "--as", "aso"])
    assert refused.exit_code == 2 and "error: segments.headline: placeholder #2 lost" in refused.stderr
    edits.write_text(json.dumps({"headline": 'Projeya avê ya <x id="1"/> dê <x id="2"/> kesan av bide'}))
    stored = runner.invoke(app, ["translate", "submit", str(kmr.id), str(edits), "--as", "aso"])
    assert stored.exit_code == 0 and "in_review" in stored.output
    assert segments(db, kmr.id)["headline"].edited_by == "aso"

    # XLIFF out and back in for the job nobody has drafted (Arabic goes to the desk only).
    xlf = tmp_path / "ar.xlf"
    assert runner.invoke(app, ["translate", "export", str(ar.id), "--out", str(xlf)]).exit_code == 0
    text = xlf.read_text("utf-8")
    filled = text.replace("</source>", "</source><target>ترجمة</target>")
    filled = filled.replace(
        "<target>ترجمة</target>", '<target><x id="1"/> ترجمة</target>', 1
    )  # the headline starts with a name
    xlf.write_text(filled)
    imported = runner.invoke(app, ["translate", "import", str(ar.id), str(xlf)])
    assert imported.exit_code == 2, imported.output  # the other units lost their placeholders
    assert "placeholder #" in imported.stderr

    approved = runner.invoke(app, ["translate", "approve", str(kmr.id), "--note", "good"])
    assert approved.exit_code == 0, approved.output
    assert f"job {kmr.id}: published (translation v1)" in approved.output
    again = runner.invoke(app, ["translate", "approve", str(kmr.id)])
    assert again.exit_code == 1 and "published; it cannot be approved" in again.stderr
    assert runner.invoke(app, ["translate", "show", "999"]).exit_code == 1

    backends = runner.invoke(app, ["translate", "backends"])
    assert backends.exit_code == 0 and "google" in backends.output and "closed" in backends.output


def test_reject_with_a_note_then_retry_keeps_the_translators_edits(
    configure: Configure, providers: dict[str, Provider], db: Database, tmp_path: Path
) -> None:
    settings = configure({"en>kmr": ["memory", "google", "human"]}, translation_policy={"targets": ["kmr"]})
    ingest(db, settings, article())
    job = job_for(db, "kmr")
    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps({"headline": 'Projeya avê ya <x id="1"/> dê <x id="2"/> kesan av bide'}))
    assert runner.invoke(app, ["translate", "submit", str(job.id), str(edits), "--as", "aso"]).exit_code == 0

    missing = runner.invoke(app, ["translate", "reject", str(job.id)])
    assert missing.exit_code == 2 and "--note" in missing.stderr
    blank = runner.invoke(app, ["translate", "reject", str(job.id), "--note", "  "])
    assert blank.exit_code == 2 and "a rejection needs a note" in blank.stderr
    note = "Use the ministry's name"
    rejected = runner.invoke(app, ["translate", "reject", str(job.id), "--note", note, "--as", "ed"])
    assert rejected.exit_code == 0 and f"job {job.id}: rejected" in rejected.output
    assert (job_for(db, "kmr").state, job_for(db, "kmr").note) == ("rejected", note)

    # Retry drafts the other segments again by machine (here from the cache); the edit stays.
    retried = runner.invoke(app, ["translate", "retry", str(job.id), "--as", "ed"])
    assert retried.exit_code == 0 and f"job {job.id}: drafted" in retried.output
    segs = segments(db, job.id)
    assert (segs["headline"].edited_by, segs["headline"].status) == ("aso", "edited")
    assert segs["body.1"].draft_origin == "machine:google" and segs["body.1"].status == "drafted"
    shown = json.loads(runner.invoke(app, ["translate", "show", str(job.id), "--json"]).output)
    moves = [(e["action"], e["to"], e["actor"]) for e in shown["events"]][-3:]
    assert moves == [
        ("rejected", "rejected", "ed"),
        ("retry", "queued", "ed"),
        ("drafted", "drafted", "backend:google"),
    ]
    again = runner.invoke(app, ["translate", "retry", str(job.id)])
    assert again.exit_code == 1 and "drafted" in again.stderr
