"""follow-ups become plans: a goal, a check-in frequency and progress notes

``follow_up`` gains ``goal`` and ``frequency`` (weekly, two_weeks, monthly; empty
for a one-off); ``follow_up_note`` holds the progress notes written on a plan.
Existing follow-ups keep everything and have neither (a one-off with its note).

Revision ID: f14b2c3d4e5f
Revises: f14a1e2b3c4d
Create Date: 2026-12-06 05:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f14b2c3d4e5f'
down_revision: str | None = 'f14a1e2b3c4d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("follow_up") as batch:
        batch.add_column(sa.Column("goal", sqlmodel.sql.sqltypes.AutoString(length=1000),
                                   nullable=True))
        batch.add_column(sa.Column("frequency", sqlmodel.sql.sqltypes.AutoString(length=20),
                                   nullable=True))
    op.create_table(
        "follow_up_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["follow_up_id"], ["follow_up.id"],
                                name=op.f("fk_follow_up_note_follow_up_id_follow_up")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_user.id"],
                                name=op.f("fk_follow_up_note_staff_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_note")),
    )
    op.create_index(op.f("ix_follow_up_note_follow_up_id"), "follow_up_note",
                    ["follow_up_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_follow_up_note_follow_up_id"), table_name="follow_up_note")
    op.drop_table("follow_up_note")
    with op.batch_alter_table("follow_up") as batch:
        batch.drop_column("frequency")
        batch.drop_column("goal")
