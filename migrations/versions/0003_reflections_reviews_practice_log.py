"""reflections, reviews, practice log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:09:59.737462
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('comment_snippets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_comment_snippets_teacher_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_snippets'))
    )
    with op.batch_alter_table('comment_snippets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_snippets_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('assignment_slug', sa.String(length=100), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_extensions_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_extensions_granted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extensions')),
    sa.UniqueConstraint('enrolment_id', 'assignment_slug', name=op.f('uq_extensions_enrolment_id'))
    )
    op.create_table('practice_log_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_practice_log_entries_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_log_entries'))
    )
    with op.batch_alter_table('practice_log_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_log_entries_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('reflections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('assignment_slug', sa.String(length=100), nullable=False),
    sa.Column('module_slug', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'approved', 'not_yet_approved', 'revision', name='reflection_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('draft_text', sa.Text(), nullable=False),
    sa.Column('draft_fields', sa.JSON(), nullable=False),
    sa.Column('draft_version', sa.Integer(), nullable=False),
    sa.Column('draft_saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('supervision_flag', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_reflections_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflections')),
    sa.UniqueConstraint('enrolment_id', 'assignment_slug', name=op.f('uq_reflections_enrolment_id'))
    )
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflections_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reflections_module_slug'), ['module_slug'], unique=False)
        batch_op.create_index(batch_op.f('ix_reflections_status'), ['status'], unique=False)

    op.create_table('stashed_texts',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('assignment_slug', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_stashed_texts_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_stashed_texts'))
    )
    op.create_table('reflection_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reflection_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('word_count', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['reflection_id'], ['reflections.id'], name=op.f('fk_reflection_versions_reflection_id_reflections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflection_versions')),
    sa.UniqueConstraint('reflection_id', 'number', name=op.f('uq_reflection_versions_reflection_id'))
    )
    with op.batch_alter_table('reflection_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflection_versions_reflection_id'), ['reflection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reflection_versions_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Enum('approved', 'not_yet', name='review_decision', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('overall_comment', sa.Text(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_reviews_teacher_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['reflection_versions.id'], name=op.f('fk_reviews_version_id_reflection_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('version_id', name=op.f('uq_reviews_version_id'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_notifications', sa.Enum('immediate', 'digest', name='notification_mode', native_enum=False, create_constraint=True), server_default='immediate', nullable=False))
        batch_op.add_column(sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        # SQLite rebuilds the table and would keep the enum's CHECK on the dropped column.
        batch_op.drop_constraint(batch_op.f('ck_users_notification_mode'), type_='check')
        batch_op.drop_column('last_digest_at')
        batch_op.drop_column('review_notifications')

    op.drop_table('reviews')
    with op.batch_alter_table('reflection_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reflection_versions_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_reflection_versions_reflection_id'))

    op.drop_table('reflection_versions')
    op.drop_table('stashed_texts')
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reflections_status'))
        batch_op.drop_index(batch_op.f('ix_reflections_module_slug'))
        batch_op.drop_index(batch_op.f('ix_reflections_enrolment_id'))

    op.drop_table('reflections')
    with op.batch_alter_table('practice_log_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_log_entries_enrolment_id'))

    op.drop_table('practice_log_entries')
    op.drop_table('extensions')
    with op.batch_alter_table('comment_snippets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_snippets_teacher_id'))

    op.drop_table('comment_snippets')
