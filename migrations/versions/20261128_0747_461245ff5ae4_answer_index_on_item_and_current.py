"""answer index on item and current

Revision ID: 461245ff5ae4
Revises: 5d3df4f9d49a
Create Date: 2026-11-28 07:47:50.671591

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision: str = '461245ff5ae4'
down_revision: str | None = '5d3df4f9d49a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Counselor pages: current answers to a few household items (records.condition_answers).
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index('ix_answer_item_id_current', ['item_id', 'current'], unique=False)



def downgrade() -> None:
    # Counselor pages: current answers to a few household items (records.condition_answers).
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_item_id_current')

