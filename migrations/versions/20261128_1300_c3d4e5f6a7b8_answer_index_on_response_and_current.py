"""answer index on response and current (replaces the one on response alone)

A page reads one response's current answers (``responses.load_respondent``); with
an index on ``response_id`` alone it read every version of every answer of the
response and dropped the old ones, so a response saved often got slower to save.

Revision ID: c3d4e5f6a7b8
Revises: beb96f92dac1
Create Date: 2026-11-28 13:00:00

"""
from collections.abc import Sequence

from alembic import op

revision: str = 'c3d4e5f6a7b8'
down_revision: str | None = 'beb96f92dac1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index('ix_answer_response_id_current', ['response_id', 'current'],
                              unique=False)
        batch_op.drop_index('ix_answer_response_id')


def downgrade() -> None:
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index('ix_answer_response_id', ['response_id'], unique=False)
        batch_op.drop_index('ix_answer_response_id_current')
