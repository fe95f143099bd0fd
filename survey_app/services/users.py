"""Staff accounts: creation and password checks."""

from __future__ import annotations

from sqlmodel import Session, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.models import CounselorSchool, StaffUser
from survey_app.models.base import utcnow
from survey_app.models.enums import Honorific, Role
from survey_app.services import passwords

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


# Checked against when the email is unknown, so both paths cost one scrypt at the same
# parameters. A constant (the hash of a password nobody has), not made at import: one
# scrypt is ~0.4 s of start-up CPU in every process, and making it on first use would make
# that first unknown-email attempt cost two.
_DUMMY_HASH = (
    "scrypt:32768:8:1$OWDwhpDmo592MPwY$663aeabaeff19267c5ed19ba1492847e7603f8975ac5b0f81f54d3"
    "616360e925946faf09c512cf81f3c6e2cd74ac26c0365789ecba8502fa0c4baa4e207b133a"
)


class UserError(ValueError):
    """A user could not be created; the message says why."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def find_by_email(*, session: Session, email: str) -> StaffUser | None:
    """The account with this email (any case), or None."""
    email = (email or "").strip().lower()
    # No address holds NUL, and PostgreSQL refuses to compare text that does (a 500).
    if not email or "\x00" in email:
        return None
    return session.exec(select(StaffUser).where(func.lower(StaffUser.email) == email)).first()


def authenticate(*, session: Session, email: str, password: str) -> StaffUser | None:
    """The active user with this email and password, or None (same cost either way)."""
    user = find_by_email(session=session, email=email)
    if user is None or not user.password_hash or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def create_user(
    *,
    session: Session,
    district_id: int,
    email: str,
    password: str,
    role: str,
    given_name: str,
    family_name: str,
    school_ids: list[int] = (),
) -> StaffUser:
    """Create a staff account; counselors serve ``school_ids``, staff belong to the first."""
    if role not in set(Role):
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(Role)}")
    refused = passwords.problem(password, context=(email, given_name, family_name))
    if refused:
        raise UserError(passwords.ENGLISH[refused])
    if role in (Role.STAFF, Role.COUNSELOR) and not school_ids:
        raise UserError(f"a {role} needs a school (--school CODE)")
    email = email.strip().lower()
    if session.exec(select(StaffUser.id).where(func.lower(StaffUser.email) == email)).first():
        raise UserError(f"a user with email {email} exists already")
    user = StaffUser(
        district_id=district_id, email=email, password_hash=hash_password(password), role=role,
        given_name=given_name, family_name=family_name,
        school_id=school_ids[0] if school_ids and role != Role.DISTRICT_ADMIN else None,
    )
    session.add(user)
    session.flush()
    if role == Role.COUNSELOR:
        session.add_all(CounselorSchool(staff_id=user.id, school_id=s) for s in school_ids)
        session.flush()
    return user


def change_password(*, session: Session, user: StaffUser, old: str, new: str) -> str | None:
    """Set ``user``'s password to ``new`` when ``old`` is the current one; end every
    session of the user (the caller starts this one again). Returns why not, or None:
    "wrong_old", "same", or a ``passwords`` problem."""
    if not user.password_hash or not check_password_hash(user.password_hash, old):
        return "wrong_old"
    if new == old:
        return "same"
    refused = passwords.problem(new, context=(user.email or "", user.given_name,
                                              user.family_name))
    if refused:
        return refused
    user.password_hash = hash_password(new)
    user.session_generation += 1
    session.add(user)
    session.flush()
    return None


def set_honorific(*, session: Session, user: StaffUser, honorific: str | None) -> bool:
    """Set how children address ``user`` (an ``Honorific`` code, or None for the full
    name); True when it changed. An unknown code is refused (ValueError)."""
    value = honorific or None
    if value is not None and value not in set(Honorific):
        raise ValueError(f"unknown honorific {honorific!r}")
    if user.honorific == value:
        return False
    user.honorific = value
    session.add(user)
    session.flush()
    return True


STAFF_PAGE_SIZE = 50


def staff_page(*, session: Session, district_id: int, query: str = "", page: int = 1
               ) -> tuple[list[StaffUser], int]:
    """Active staff of the district whose name holds every word of ``query`` (any case),
    by surname, one page of ``STAFF_PAGE_SIZE``; and how many match in all."""
    stmt = select(StaffUser).where(StaffUser.district_id == district_id, StaffUser.active)
    name = func.lower(StaffUser.given_name + " " + StaffUser.family_name)
    for word in query.lower().split():
        stmt = stmt.where(name.contains(word, autoescape=True))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(StaffUser.family_name, StaffUser.given_name, StaffUser.id)
                        .offset((page - 1) * STAFF_PAGE_SIZE).limit(STAFF_PAGE_SIZE)).all()
    return list(rows), total
