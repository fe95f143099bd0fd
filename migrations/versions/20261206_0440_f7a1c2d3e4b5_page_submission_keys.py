"""page submission keys: a repeated page form saves once

Each survey page form carries a submission key; the key is written with the save
(unique per response), so a double tap, a resend after a timeout or "back and send
again" changes nothing the second time, and two sent at once meet at the unique
constraint. A new, empty table: existing data is untouched.

Revision ID: f7a1c2d3e4b5
Revises: f1a2b3c4d5e6
Create Date: 2026-12-06 04:40:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f7a1c2d3e4b5'
down_revision: str | None = 'f1a2b3c4d5e6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'page_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('page', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['response_id'], ['response.id'],
                                name=op.f('fk_page_submission_response_id_response')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_page_submission')),
        sa.UniqueConstraint('response_id', 'key', name=op.f('uq_page_submission_response_id_key')),
    )


def downgrade() -> None:
    op.drop_table('page_submission')
