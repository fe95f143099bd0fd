"""The demo district: ``generate`` builds it as tables, ``load`` writes them, this module
gives the demo sign-ins and sample access codes."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select, update
from sqlmodel import SQLModel

from survey_app.services import codes
from survey_app.services.users import hash_password

#: The one password of the demo accounts. Demo data only: never use it for real accounts.
DEMO_PASSWORD = "demo-district-only"


def set_demo_passwords(engine: Engine) -> None:
    """Give the demo accounts (``*.demo.example`` named roles) the demo password.

    Only these few rows are hashed: scrypt for thousands of staff would take minutes.
    """
    staff = SQLModel.metadata.tables["staff_user"]
    with engine.begin() as conn:
        conn.execute(update(staff).where(~staff.c.email.like("staff%"))
                     .values(password_hash=hash_password(DEMO_PASSWORD)))


def sign_ins(conn: Connection) -> list[tuple[str, str, str]]:
    """(role, email, school name or "district") of every account that can sign in."""
    staff = SQLModel.metadata.tables["staff_user"]
    school = SQLModel.metadata.tables["school"]
    rows = conn.execute(
        select(staff.c.role, staff.c.email, school.c.name)
        .select_from(staff.outerjoin(school, staff.c.school_id == school.c.id))
        .where(staff.c.password_hash.is_not(None)).order_by(staff.c.id))
    return [(role, email, name or "district") for role, email, name in rows]


def sample_codes(conn: Connection, secret: str, *, students: int = 3, families: int = 1
                 ) -> list[tuple[str, str, str]]:
    """(kind, code, token) of a few unanswered invitations in the newest wave.

    Codes are never stored: they are derived again from each invitation's nonce.
    """
    inv = SQLModel.metadata.tables["invitation"]
    wave = SQLModel.metadata.tables["survey_wave"]
    newest = select(wave.c.id).order_by(wave.c.ordinal.desc()).limit(1).scalar_subquery()
    out = []
    for kind, count in (("student", students), ("family", families)):
        nonces = conn.execute(select(inv.c.nonce).where(
            inv.c.wave_id == newest, inv.c.kind == kind, inv.c.status == "sent")
            .order_by(inv.c.id).limit(count)).scalars()
        out += [(kind, codes.format_code(codes.derive_code(secret, n)),
                 codes.derive_token(secret, n)) for n in nonces]
    return out
