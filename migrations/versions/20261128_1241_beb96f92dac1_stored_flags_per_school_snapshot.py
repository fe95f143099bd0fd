"""stored flags: flag_snapshot and student_flags

Each school's flags as last worked out, for exports (survey_app/reading/stored_flags.py):
a cache, good while flag_snapshot.data_version is the database's data_version. New
tables only; an existing database starts with none stored.

Revision ID: beb96f92dac1
Revises: 20e8ee40d394
Create Date: 2026-11-28 12:41:17.458366

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision: str = 'beb96f92dac1'
down_revision: str | None = '20e8ee40d394'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('flag_snapshot',
    sa.Column('school_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('data_version', sa.Integer(), nullable=False),
    sa.Column('computed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('school_id', name=op.f('pk_flag_snapshot'))
    )
    op.create_table('student_flags',
    sa.Column('school_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('student_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('codes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('reliable', sa.Integer(), nullable=False),
    sa.Column('family', sa.Integer(), nullable=True),
    sa.Column('school', sa.Integer(), nullable=True),
    sa.Column('community', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('school_id', 'student_id', name=op.f('pk_student_flags'))
    )


def downgrade() -> None:
    op.drop_table('student_flags')
    op.drop_table('flag_snapshot')
