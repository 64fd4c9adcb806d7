"""attendance rules: cancelled class days and attendance exceptions

Attendance became a share of the planned class days; a cancelled day stays visible with its
reason but no longer counts, and a teacher may grant an exception with a reason.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('class_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('cancel_reason', sa.String(length=500), server_default='', nullable=False)
        )

    op.create_table(
        'attendance_exceptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['enrolment_id'],
            ['enrolments.id'],
            name=op.f('fk_attendance_exceptions_enrolment_id_enrolments'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['granted_by_id'],
            ['users.id'],
            name=op.f('fk_attendance_exceptions_granted_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_exceptions')),
        sa.UniqueConstraint('enrolment_id', name=op.f('uq_attendance_exceptions_enrolment_id')),
    )


def downgrade() -> None:
    op.drop_table('attendance_exceptions')
    with op.batch_alter_table('class_days', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_at')
