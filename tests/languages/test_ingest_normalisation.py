"""Ingest applies the normaliser to every text field and keeps the editors' warnings."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from syndicate.domain.prepare import orthography_warnings, parse_document
from syndicate.pipeline.outbox import NullDispatcher
from syndicate.pipeline.service import Source, ingest_sources
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import ArticleVersion
from tests.helpers import article

LEGACY = "هه\u200cولێر"  # هەولێر with heh + ZWNJ for ە
MESSY = article(
    language="ckb",
    headline=f"\u202b{LEGACY}: پرۆژه\u200cی ئاو بۆ ٤٠٠ هەزار كەس\u202c",
    standfirst="ســەرۆكی حكومەت ڕایگەیاند",
    body_html=f'<p>{LEGACY} <a href="https://example.iq/كوردستان/١٢">كوردستان ١٢</a></p><p>ئهمڕۆ</p>',
    byline=[{"name": "ئاراس ئه\u200cحمه\u200cد", "role": "په\u200cیامنێری هه\u200cولێر"}],
    dateline=f"{LEGACY}، هه\u200cرێمی كوردستان",
    tags=[LEGACY, "\u200b", "ئاو"],
    media=[{"url": "https://media.example/a.jpg", "caption": "وێنه\u200cی ٢٠٢٠", "credit": "ڕێبه\u200cز/AFP"}],
    rights={"copyright_holder": "چرای نیوز", "usage_terms": "بڵاوكردنه\u200cوه"},
)


@pytest.fixture
def editorial_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    # The syndicate logger may not propagate (JSON logging): listen on it directly.
    logger = logging.getLogger("syndicate.editorial")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.WARNING, logger="syndicate.editorial")
    yield caplog
    logger.removeHandler(caplog.handler)


def test_every_text_field_is_normalised() -> None:
    doc = parse_document(MESSY, max_bytes=1_000_000).document()
    assert doc["headline"] == "هەولێر: پرۆژەی ئاو بۆ 400 هەزار کەس"
    assert doc["standfirst"] == "سەرۆکی حکومەت ڕایگەیاند"
    assert doc["dateline"] == "هەولێر، هەرێمی کوردستان"
    assert doc["tags"] == ["هەولێر", "ئاو"]  # the invisible tag is gone
    assert doc["byline"][0] == {"name": "ئاراس ئەحمەد", "role": "پەیامنێری هەولێر"}
    assert doc["media"][0]["caption"] == "وێنەی 2020" and doc["media"][0]["credit"] == "ڕێبەز/AFP"
    assert doc["rights"] == {"copyright_holder": "چرای نیوز", "usage_terms": "بڵاوکردنەوە"}
    # Text is normalised; the link target keeps its bytes.
    link = '<a href="https://example.iq/كوردستان/١٢" rel="noopener">کوردستان 12</a>'
    assert doc["body_html"].startswith(f"<p>هەولێر {link}")


def test_words_the_normaliser_cannot_fix_are_reported_to_editors(
    editorial_log: pytest.LogCaptureFixture, db: Database, settings: Settings
) -> None:
    cleaned = parse_document(MESSY, max_bytes=1_000_000)
    problems = orthography_warnings(cleaned)  # type: ignore[arg-type]
    assert [(p.field, p.message.split(":")[0]) for p in problems] == [("body_html", "ئهمڕۆ")]
    [result] = ingest_sources(db, NullDispatcher(), settings, [Source("messy", MESSY, 1000)])
    # The CMS gets them back in the ingest answer, and they are logged for the desk.
    assert len(result.warnings) == 1 and "ئهمڕۆ" in result.warnings[0]
    assert result.as_dict()["warnings"] == list(result.warnings)
    # Deduplicated: the record may reach caplog through the root logger as well.
    records = list({id(r): r for r in editorial_log.records if r.name == "syndicate.editorial"}.values())
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert records[0].article == "t-1" and records[0].field == "body_html"  # type: ignore[attr-defined]
    assert "ئهمڕۆ" in records[0].getMessage()


def test_clean_text_logs_nothing(editorial_log: pytest.LogCaptureFixture, db: Database, settings: Settings) -> None:
    [result] = ingest_sources(db, NullDispatcher(), settings, [Source("clean", article(), 1000)])
    assert result.warnings == ()
    assert not [r for r in editorial_log.records if r.name == "syndicate.editorial"]


def test_the_stored_version_is_the_normalised_one(db: Database, settings: Settings) -> None:
    ingest_sources(db, NullDispatcher(), settings, [Source("messy", MESSY, 1000)])
    with db.read() as session:
        stored = session.scalars(select(ArticleVersion)).one().document
    assert stored["headline"] == "هەولێر: پرۆژەی ئاو بۆ 400 هەزار کەس"
    # The same story written cleanly is the same content: no new version, no conflict.
    clean = {**MESSY, "headline": stored["headline"]}
    [again] = ingest_sources(db, NullDispatcher(), settings, [Source("clean", clean, 1000)])
    assert again.outcome == "unchanged"
