"""family trust marks: a teacher's "do I have a trusting relationship with this family?"

One row per staff member, household and wave ("yes" | "not_yet" | "dont_know"),
like ``staff_mark`` for students. A new table: rows already stored are untouched.

Revision ID: f19a7c3e5d21
Revises: a16c0ffee016
Create Date: 2026-12-06 04:40:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f19a7c3e5d21'
down_revision: str | None = 'a16c0ffee016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('family_trust_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('trust', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_family_trust_mark_household_id_household')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_family_trust_mark_staff_id_staff_user')),
    sa.ForeignKeyConstraint(['wave_id'], ['survey_wave.id'], name=op.f('fk_family_trust_mark_wave_id_survey_wave')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_trust_mark')),
    sa.UniqueConstraint('staff_id', 'household_id', 'wave_id', name=op.f('uq_family_trust_mark_staff_id_household_id_wave_id'))
    )
    with op.batch_alter_table('family_trust_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_trust_mark_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_trust_mark_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_trust_mark_wave_id'), ['wave_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('family_trust_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_trust_mark_wave_id'))
        batch_op.drop_index(batch_op.f('ix_family_trust_mark_staff_id'))
        batch_op.drop_index(batch_op.f('ix_family_trust_mark_household_id'))
    op.drop_table('family_trust_mark')
