"""audit outcome and district-wide family notes

``audit_event.outcome`` says how a recorded action ended ("ok", "refused" for a failed
sign-in, "failed" for a download that did not complete); events recorded before this
revision were all successes. ``engagement.district_wide`` is set by a note's author to
share it with staff of every school; notes written before stay with their own school.

Revision ID: a16c0ffee016
Revises: f14b2c3d4e5f
Create Date: 2026-12-06 04:30:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a16c0ffee016'
down_revision: str | None = 'f14b2c3d4e5f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("outcome", sa.String(length=20), nullable=False,
                                   server_default="ok"))
    with op.batch_alter_table("engagement") as batch:
        batch.add_column(sa.Column("district_wide", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("engagement") as batch:
        batch.drop_column("district_wide")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("outcome")
