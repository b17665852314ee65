"""reliability: one probe at a time for a failing translation backend; completed outbox rows by time

Revision ID: 0006_reliability
Revises: 0005_translation
Create Date: 2026-11-25 17:20:35.803197
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import syndicate.storage.types

revision = "0006_reliability"
down_revision = "0005_translation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_done", ["status", "done_at"], unique=False)
    with op.batch_alter_table("translation_backends", schema=None) as batch_op:
        batch_op.add_column(sa.Column("probe_until", syndicate.storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("translation_backends", schema=None) as batch_op:
        batch_op.drop_column("probe_until")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_done")
