"""privacy: anonymisation and retention

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('texts_deleted_at', sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.drop_column('texts_deleted_at')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
