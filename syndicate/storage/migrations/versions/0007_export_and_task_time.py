"""export and task time: what the export folder holds per document, how long each completing task ran

Revision ID: 0007_export_and_task_time
Revises: 0006_reliability
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_export_and_task_time"
down_revision = "0006_reliability"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exported_etag", sa.String(length=80), nullable=True))
    with op.batch_alter_table("site_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exported_etag", sa.String(length=80), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("run_seconds")
    with op.batch_alter_table("site_documents", schema=None) as batch_op:
        batch_op.drop_column("exported_etag")
    with op.batch_alter_table("feed_documents", schema=None) as batch_op:
        batch_op.drop_column("exported_etag")
