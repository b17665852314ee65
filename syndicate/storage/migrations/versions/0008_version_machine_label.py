"""version machine label: the machine-translation flag belongs to each article version

Revision ID: 0008_version_machine_label
Revises: 0007_export_and_task_time
Create Date: 2026-11-30 23:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_version_machine_label"
down_revision = "0007_export_and_task_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("machine_translated", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Before this, only the article knew, and only about its current version.
    op.execute(
        "UPDATE article_versions SET machine_translated = TRUE WHERE EXISTS ("
        " SELECT 1 FROM articles WHERE articles.id = article_versions.article_id"
        " AND articles.machine_translated AND articles.current_version = article_versions.version"
        " AND article_versions.status <> 'withdrawn')"
    )


def downgrade() -> None:
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.drop_column("machine_translated")
