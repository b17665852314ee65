"""Alembic migrations: one linear history whose result matches the models, on both databases."""

from __future__ import annotations

import importlib

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from syndicate.storage.db import Database, alembic_config
from syndicate.storage.models import Base


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_migrated_schema_matches_the_models(db: Database) -> None:
    # Every table on Base.metadata, including the capabilities' own modules.
    for module in ("syndicate.partners.tables", "syndicate.translation.tables"):
        importlib.import_module(module)

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], diff
