"""staff version counter: a second row of data_version

Row 2 of ``data_version`` is bumped by the app's engine in every transaction that
writes ``staff_user`` (survey_app/db.py track_writes), and by no survey save: the
survey's adult page keeps the staff picker's list per process keyed on it
(services/invitations.py school_staff). Data only; the table is unchanged.

Revision ID: d4e5f6a7b8c9
Revises: c3d4e5f6a7b8
Create Date: 2026-11-28 13:10:00

"""
from collections.abc import Sequence

from alembic import op

revision: str = 'd4e5f6a7b8c9'
down_revision: str | None = 'c3d4e5f6a7b8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("INSERT INTO data_version (id, n) SELECT 2, 0 "
               "WHERE NOT EXISTS (SELECT 1 FROM data_version WHERE id = 2)")


def downgrade() -> None:
    op.execute("DELETE FROM data_version WHERE id = 2")
