"""flags version counter: a third row of data_version

Row 3 of ``data_version`` is bumped by the app's engine in every transaction that
writes a table the flags are worked out from (survey_app/db.py FLAG_TABLES), and not
by follow-ups, contacts, context data or answers alone: stored flags
(survey_app/reading/stored_flags.py) stay good while it does not move. Data only; the
table is unchanged. Flags stored before this revision were keyed on row 1; starting
row 3 past row 1 leaves none of them current.

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-11-28 13:30:00

"""
from collections.abc import Sequence

from alembic import op

revision: str = 'e5f6a7b8c9d0'
down_revision: str | None = 'd4e5f6a7b8c9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("INSERT INTO data_version (id, n) "
               "SELECT 3, COALESCE((SELECT n FROM data_version WHERE id = 1), 0) + 1 "
               "WHERE NOT EXISTS (SELECT 1 FROM data_version WHERE id = 3)")


def downgrade() -> None:
    op.execute("DELETE FROM data_version WHERE id = 3")
