"""Staff sign-in as one service: check a password under throttling, then open a session.

``check_password`` is the throttled check: a guessed account is refused *before* its
password is checked once it has had ``ACCOUNT_LIMITS`` wrong passwords, from whatever
addresses (NIST SP 800-63B 5.2.2: at most 100 failures per account); an address is
counted too (``ADDRESS_LIMITS``), but only its wrong passwords are refused, so a teacher
with the right password signs in behind a school address that a guesser is hammering.

``open_session`` is what every way of signing in ends with (password here; a single
sign-on callback calls it with its own ``method``): a fresh session bound to the user's
session generation, the sign-in audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, session
from flask_login import login_user
from sqlmodel import select

from survey_app import sso, throttle
from survey_app.auth import SignedInStaff, school_ids_for, start_session
from survey_app.db import get_session
from survey_app.models import District, DistrictSettings, StaffUser
from survey_app.services import audit, users
from survey_app.services import settings as settings_service

#: Wrong passwords for one account, from any address, before it waits.
ACCOUNT_LIMITS = "10 per minute; 50 per hour; 100 per day"
#: Wrong passwords from one address (any accounts) before its wrong ones are answered 429.
ADDRESS_LIMITS = "30 per minute; 300 per hour"


@dataclass(frozen=True)
class Checked:
    """What a password check found: the user, or why not, and how long to wait."""

    user: StaffUser | None
    outcome: str  # "ok" | "wrong" | "throttled" | "password_off"
    wait: int | None = None


def _account_key(email: str) -> str:
    return "login-account:" + email.strip().lower()[:320]


def _address_key() -> str:
    return f"login-ip:{request.remote_addr}"


def check_password(email: str, password: str) -> Checked:
    """The account for ``email`` and ``password``, throttled per account and per address.

    A wrong password is audited as ``sign_in_failed`` (with the address and the email
    typed, never the password).
    """
    counters = throttle.counters()
    wait = counters.over(ACCOUNT_LIMITS, _account_key(email))
    if wait:
        _failed(email, "throttled")
        return Checked(None, "throttled", wait)
    user = users.authenticate(session=get_session(), email=email, password=password)
    if user is not None and not password_allowed(user.district_id):
        _failed(email, "password_off")  # right password, but the district signs in elsewhere
        return Checked(None, "password_off")
    if user is not None:
        return Checked(user, "ok")
    waits = [counters.refuse_wrong(ACCOUNT_LIMITS, _account_key(email)),
             counters.refuse_wrong(ADDRESS_LIMITS, _address_key())]
    wait = max((w for w in waits if w), default=None)
    _failed(email, "wrong_password")
    return Checked(None, "throttled" if wait else "wrong", wait)


def _failed(email: str, reason: str) -> None:
    db = get_session()
    known = users.find_by_email(session=db, email=email)
    audit.record(session=db, staff_id=None, action="sign_in_failed",
                 target_type="staff_user", target_id=known.id if known else None,
                 outcome="refused", ip=request.remote_addr,
                 detail={"email": email.strip().lower()[:320], "reason": reason})
    db.commit()


def password_allowed(district_id: int) -> bool:
    """Whether the district's staff may sign in with a password: always while no single
    sign-on provider is configured (a district can never be locked out)."""
    if not sso.providers():
        return True
    return settings_service.get_settings(session=get_session(),
                                         district_id=district_id).password_sign_in


def password_form_shown() -> bool:
    """Whether the sign-in page offers the password form: unless every district with
    stored settings turned passwords off (and a provider is configured)."""
    if not sso.providers():
        return True
    db = get_session()
    stored = db.exec(select(DistrictSettings.password_sign_in)).all()
    return not stored or any(stored) or db.exec(
        select(District.id).where(District.id.not_in(
            select(DistrictSettings.district_id)))).first() is not None


def settings_summary(district_id: int) -> dict:
    """What the settings page shows of staff sign-in: whether passwords are taken, and
    the providers' labels."""
    return {"password": password_allowed(district_id),
            "providers": [p.label for p in sso.providers().values()]}


def open_session(user: StaffUser, *, method: str = "password", **detail: str) -> None:
    """Sign ``user`` in: a fresh session (no fixation), bound to this browser and the
    user's session generation; audited (with ``detail``, e.g. the provider). The caller
    commits."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    # Not ``session.permanent``: Flask-Login skips its "strong" check on permanent
    # sessions. The signed cookie still expires after PERMANENT_SESSION_LIFETIME.
    start_session(user)
    login_user(SignedInStaff(user, school_ids_for(user)))  # binds it: Flask-Login's "_id"
    audit.record(session=get_session(), staff_id=user.id, action="sign_in",
                 target_type="staff_user", target_id=user.id, outcome="ok",
                 ip=request.remote_addr, detail={"method": method, **detail})
