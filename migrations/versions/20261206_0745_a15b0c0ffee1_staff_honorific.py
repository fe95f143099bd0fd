"""staff honorific: how children address a staff member ("Ms. Brown"), set in the app

OneRoster 1.2 has no honorific field (users.csv carries givenName, familyName,
middleName, preferredFirstName/MiddleName/LastName, but no title), so the column is
filled by staff on their account page or by an admin, never by a roster import.

Revision ID: a15b0c0ffee1
Revises: c1d0a5150001
Create Date: 2026-12-06 07:40:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = 'a15b0c0ffee1'
down_revision: str | None = 'c1d0a5150001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('honorific', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('honorific')
