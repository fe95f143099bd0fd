"""staff single sign-on: staff_identity, and district_settings.password_sign_in

``staff_identity`` links a staff account to a person at an OpenID Connect provider (issuer
and subject, unique together; one subject per account and issuer). Stored settings keep
password sign-in on.

Revision ID: c1d0a5150001
Revises: f8a1b2c3d418
Create Date: 2026-12-06 07:40:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'c1d0a5150001'
down_revision: str | None = 'f8a1b2c3d418'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"],
                                name=op.f("fk_staff_identity_user_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_identity")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_staff_identity_issuer_subject")),
        sa.UniqueConstraint("user_id", "issuer", name=op.f("uq_staff_identity_user_id_issuer")),
    )
    with op.batch_alter_table("staff_identity") as batch:
        batch.create_index(batch.f("ix_staff_identity_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("district_settings") as batch:
        batch.add_column(sa.Column("password_sign_in", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("district_settings") as batch:
        batch.drop_column("password_sign_in")
    with op.batch_alter_table("staff_identity") as batch:
        batch.drop_index(batch.f("ix_staff_identity_user_id"))
    op.drop_table("staff_identity")
