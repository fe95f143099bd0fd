"""survey reminders: reminder_send, reminder_opt_out, roster emails, district reminder limits

Guardians' and students' emails from the roster (``adult.email``, ``student.email``) are where
reminders go; ``district_settings`` gains the cap per invitation and wave, the hours between
two reminders and whether students under 13 are written to themselves.

Revision ID: b2c7e1d9a418
Revises: b7e1d0c4a2f9
Create Date: 2026-12-06 08:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision: str = 'b2c7e1d9a418'
down_revision: str | None = 'b7e1d0c4a2f9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STR = sqlmodel.sql.sqltypes.AutoString
_WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'reminder_opt_out',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('address_key', _STR(length=64), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('language', _STR(length=16), nullable=False),
        sa.Column('at', _WHEN(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'],
                                name=op.f('fk_reminder_opt_out_household_id_household')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_opt_out')),
        sa.UniqueConstraint('address_key', name=op.f('uq_reminder_opt_out_address_key')),
    )
    with op.batch_alter_table('reminder_opt_out', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_opt_out_household_id'), ['household_id'],
                              unique=False)
    op.create_table(
        'reminder_send',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('wave_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('school_id', sa.Integer(), nullable=True),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('channel', _STR(length=16), nullable=False),
        sa.Column('address_key', _STR(length=64), nullable=False),
        sa.Column('language', _STR(length=16), nullable=False),
        sa.Column('status', _STR(length=12), nullable=False),
        sa.Column('detail', _STR(length=200), nullable=True),
        sa.Column('sent_at', _WHEN(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'],
                                name=op.f('fk_reminder_send_household_id_household')),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'],
                                name=op.f('fk_reminder_send_invitation_id_invitation')),
        sa.ForeignKeyConstraint(['job_id'], ['job_run.id'],
                                name=op.f('fk_reminder_send_job_id_job_run')),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'],
                                name=op.f('fk_reminder_send_school_id_school')),
        sa.ForeignKeyConstraint(['wave_id'], ['survey_wave.id'],
                                name=op.f('fk_reminder_send_wave_id_survey_wave')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_send')),
    )
    with op.batch_alter_table('reminder_send', schema=None) as batch_op:
        for column in ('address_key', 'household_id', 'invitation_id', 'job_id', 'school_id',
                       'wave_id'):
            batch_op.create_index(batch_op.f(f'ix_reminder_send_{column}'), [column],
                                  unique=False)
    with op.batch_alter_table('adult', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', _STR(length=320), nullable=True))
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', _STR(length=320), nullable=True))
    with op.batch_alter_table('district_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_cap', sa.Integer(), server_default='2',
                                      nullable=False))
        batch_op.add_column(sa.Column('reminder_gap_hours', sa.Integer(), server_default='48',
                                      nullable=False))
        batch_op.add_column(sa.Column('remind_young_students', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('district_settings', schema=None) as batch_op:
        batch_op.drop_column('remind_young_students')
        batch_op.drop_column('reminder_gap_hours')
        batch_op.drop_column('reminder_cap')
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('adult', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('reminder_send', schema=None) as batch_op:
        for column in ('wave_id', 'school_id', 'job_id', 'invitation_id', 'household_id',
                       'address_key'):
            batch_op.drop_index(batch_op.f(f'ix_reminder_send_{column}'))
    op.drop_table('reminder_send')
    with op.batch_alter_table('reminder_opt_out', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_opt_out_household_id'))
    op.drop_table('reminder_opt_out')
