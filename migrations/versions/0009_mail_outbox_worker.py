"""mail: the outbox is sent by workers only; cancelled instead of dead; template kept

Messages that had been given up ("dead") are waiting again: mail is now retried until it is
delivered or an admin cancels it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _status(*values: str) -> sa.Enum:
    return sa.Enum(
        *values, name='outbox_status', native_enum=False, create_constraint=True, length=9
    )


OLD = _status('pending', 'sent', 'dead')
NEW = _status('pending', 'sent', 'cancelled')


def upgrade() -> None:
    op.execute("UPDATE outbox_messages SET status = 'pending' WHERE status = 'dead'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('template', sa.String(length=60), nullable=False, server_default='')
        )
        batch_op.alter_column('status', existing_type=OLD, type_=NEW, existing_nullable=False)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('template', server_default=None)


def downgrade() -> None:
    op.execute("UPDATE outbox_messages SET status = 'dead' WHERE status = 'cancelled'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=NEW, type_=OLD, existing_nullable=False)
        batch_op.drop_column('template')
