"""The demo district: ``generate`` builds it as tables, ``load`` writes them, this module
gives the demo sign-ins and sample access codes."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select, update

from survey_app.models import Invitation, School, StaffUser, SurveyWave
from survey_app.services import codes
from survey_app.services.users import hash_password

#: The one password of the demo accounts. Demo data only: never use it for real accounts.
DEMO_PASSWORD = "demo-district-only"


def set_demo_passwords(engine: Engine) -> None:
    """Give the demo accounts (``*.demo.example`` named roles) the demo password.

    Only these few rows are hashed: scrypt for thousands of staff would take minutes.
    """
    with engine.begin() as conn:
        conn.execute(update(StaffUser).where(~StaffUser.email.like("staff%"))
                     .values(password_hash=hash_password(DEMO_PASSWORD)))


def sign_ins(conn: Connection) -> list[tuple[str, str, str]]:
    """(role, email, school name or "district") of every account that can sign in."""
    rows = conn.execute(
        select(StaffUser.role, StaffUser.email, School.name)
        .outerjoin(School, StaffUser.school_id == School.id)
        .where(StaffUser.password_hash.is_not(None)).order_by(StaffUser.id))
    return [(role, email, name or "district") for role, email, name in rows]


def sample_codes(conn: Connection, secret: str, *, students: int = 3, families: int = 1
                 ) -> list[tuple[str, str, str]]:
    """(kind, code, token) of a few unanswered invitations in the newest wave.

    Codes are never stored: they are derived again from each invitation's nonce.
    """
    newest = (select(SurveyWave.id).order_by(SurveyWave.ordinal.desc()).limit(1)
              .scalar_subquery())
    out = []
    for kind, count in (("student", students), ("family", families)):
        nonces = conn.execute(select(Invitation.nonce).where(
            Invitation.wave_id == newest, Invitation.kind == kind, Invitation.status == "sent")
            .order_by(Invitation.id).limit(count)).scalars()
        out += [(kind, codes.format_code(codes.derive_code(secret, n)),
                 codes.derive_token(secret, n)) for n in nonces]
    return out
