"""drafts: the draft version a kept (stashed) text was written on

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('stashed_texts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('base_version', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('stashed_texts', schema=None) as batch_op:
        batch_op.drop_column('base_version')
