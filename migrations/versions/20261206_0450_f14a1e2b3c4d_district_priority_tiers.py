"""district priority tiers: a JSON column of district_settings

The tier rules (relationships/tiers.py TierRules.to_dict()) a district has
changed; empty means the defaults. Rows already there get the defaults.

Revision ID: f14a1e2b3c4d
Revises: f7a1c2d3e4b5
Create Date: 2026-12-06 04:50:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f14a1e2b3c4d'
down_revision: str | None = 'f7a1c2d3e4b5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("district_settings") as batch:
        batch.add_column(sa.Column("priority_tiers", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table("district_settings") as batch:
        batch.drop_column("priority_tiers")
