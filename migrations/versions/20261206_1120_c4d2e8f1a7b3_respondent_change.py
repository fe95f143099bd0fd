"""respondent_change: whose answers each declared survey save changed, per school counter

A cached school state at a school counter becomes the state at a later counter by
reloading only the respondents named here (``survey_app.reading.incremental``), instead
of the whole school after every survey save. Empty at first: states made before it are
simply loaded in full once.

Revision ID: c4d2e8f1a7b3
Revises: b2c7e1d9a418
Create Date: 2026-12-06 11:20:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c4d2e8f1a7b3'
down_revision: str | None = 'b2c7e1d9a418'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'respondent_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=True),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_respondent_change')),
    )
    with op.batch_alter_table('respondent_change', schema=None) as batch_op:
        batch_op.create_index('ix_respondent_change_school_id_n', ['school_id', 'n'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('respondent_change', schema=None) as batch_op:
        batch_op.drop_index('ix_respondent_change_school_id_n')
    op.drop_table('respondent_change')
