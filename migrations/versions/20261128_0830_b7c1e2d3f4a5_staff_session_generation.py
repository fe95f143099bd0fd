"""staff_user.session_generation: sign-out invalidates every copy of the session cookie

Revision ID: b7c1e2d3f4a5
Revises: 461245ff5ae4
Create Date: 2026-11-28 08:30:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b7c1e2d3f4a5'
down_revision: str | None = '461245ff5ae4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
