"""roster imports: unknown grade, removal share, import runs for undo

A student's grade may be unknown (NULL, shown as "—"): a roster without grades no
longer makes everyone a kindergartner. Each district has the share of its active
students or staff a bulk import may remove without confirmation (10%). Each saved
import keeps what it changed, so the last one can be undone.

Revision ID: f1a2b3c4d5e6
Revises: e5f6a7b8c9d0
Create Date: 2026-12-06 04:30:18.144160

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision: str = 'f1a2b3c4d5e6'
down_revision: str | None = 'e5f6a7b8c9d0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('undone_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_import_run_district_id_district')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_import_run_staff_id_staff_user')),
    sa.ForeignKeyConstraint(['undone_by_id'], ['staff_user.id'], name=op.f('fk_import_run_undone_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run'))
    )
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_run_district_id'), ['district_id'], unique=False)

    with op.batch_alter_table('district_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removal_share', sa.Float(), server_default='0.1', nullable=False))

    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.alter_column('grade',
               existing_type=sa.INTEGER(),
               nullable=True)



def downgrade() -> None:
    # Students whose grade was not known get 0 back (kindergarten, as before this revision).
    op.execute("UPDATE student SET grade = 0 WHERE grade IS NULL")
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.alter_column('grade',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('district_settings', schema=None) as batch_op:
        batch_op.drop_column('removal_share')

    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_run_district_id'))

    op.drop_table('import_run')
