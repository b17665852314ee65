"""ninjs 2.2 payloads of every example validate against the IPTC schema, format checks on."""

from __future__ import annotations

from sqlalchemy import select

from syndicate.cli.run import run_embedded
from syndicate.languages.i18n import gettext
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, Payload
from tests.helpers import EXAMPLES, assert_valid_ninjs


def test_every_example_payload_is_valid_ninjs(db: Database, settings: Settings) -> None:
    run_embedded(db, settings, str(EXAMPLES))
    with db.read() as session:
        rows = session.execute(
            select(Article.newsroom_id, Article.language, ArticleVersion.version, Payload.body)
            .join(ArticleVersion, ArticleVersion.id == Payload.version_id)
            .join(Article, Article.id == ArticleVersion.article_id)
            .where(Payload.format == "ninjs")
        ).all()
    assert len(rows) == len(list(EXAMPLES.glob("*.json")))
    for newsroom_id, language, version, body in rows:
        item = assert_valid_ninjs(body)
        assert item["language"] == language
        assert item["version"] == str(version)
        assert item["altids"] == [{"role": "newsroom-id", "value": newsroom_id}]
        if language in ("ckb", "ar"):
            assert 'dir="rtl"' in item["bodies"][0]["value"]
    corrected = [r for r in rows if r[0] == "cn-93005" and r[2] == 2]
    # The editorial note is in the article's language, from the catalogs.
    assert gettext("ckb", "Correction") in assert_valid_ninjs(corrected[0][3])["ednote"]
