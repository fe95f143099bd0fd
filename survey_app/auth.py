"""Who may do what, in one place.

Permissions are named capabilities granted to roles (``POLICY``). Routes ask for
a capability with ``@permission_required``; records outside a user's schools
are looked up through ``visible_school_ids`` and answer 404 — never 403 — so a
URL cannot confirm that another school's student exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user
from sqlmodel import select

from survey_app.db import get_session
from survey_app.extensions import login_manager
from survey_app.models import CounselorSchool, School, StaffUser
from survey_app.models.enums import Role

#: Session key holding the user's session generation (see ``StaffUser.session_generation``).
GENERATION_KEY = "_gen"

ADMIN, COUNSELOR, STAFF, ANALYST = Role.DISTRICT_ADMIN, Role.COUNSELOR, Role.STAFF, Role.ANALYST

#: capability → roles that hold it. The permission-matrix tests read this table.
POLICY: dict[str, frozenset[str]] = {
    "workspace.enter": frozenset({ADMIN, COUNSELOR, STAFF, ANALYST}),
    "mapping.edit": frozenset({ADMIN, COUNSELOR, STAFF}),
    "engagement.log": frozenset({ADMIN, COUNSELOR, STAFF}),
    "classes.view": frozenset({ADMIN, COUNSELOR, STAFF}),  # the students of one's classes
    "engagement.school": frozenset({ADMIN, COUNSELOR}),  # shares per teacher, suppressed
    "students.identify": frozenset({ADMIN, COUNSELOR}),  # names + flags + answers
    "caseload.work": frozenset({ADMIN, COUNSELOR}),
    "invitations.print": frozenset({ADMIN, COUNSELOR}),
    "exports.identifiable": frozenset({ADMIN, COUNSELOR}),  # names, answers, networks
    "exports.aggregate": frozenset({ADMIN, COUNSELOR, ANALYST}),  # suppressed tables only
    "equity.view": frozenset({ADMIN, COUNSELOR, ANALYST}),
    "responses.track": frozenset({ADMIN, COUNSELOR, ANALYST}),
    "reminders.send": frozenset({ADMIN, COUNSELOR}),  # to their schools' families
    "settings.edit": frozenset({ADMIN}),
    "audit.read": frozenset({ADMIN}),
    "roster.import": frozenset({ADMIN}),
}


class SignedInStaff(UserMixin):
    """The signed-in staff member, detached from the database session."""

    def __init__(self, user: StaffUser, school_ids: frozenset[int]):
        self.id = user.id
        self.role = user.role
        self.district_id = user.district_id
        self.school_id = user.school_id
        self.display_name = user.display_name
        self.email = user.email
        self.school_ids = school_ids

    def get_id(self) -> str:
        return str(self.id)

    def can(self, capability: str) -> bool:
        return self.role in POLICY[capability]


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)


def load_user(user_id: str) -> SignedInStaff | None:
    if not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 10:
        return None
    user = get_session().get(StaffUser, int(user_id))
    if user is None or not user.active or not user.password_hash:
        return None
    if session.get(GENERATION_KEY) != user.session_generation:
        return None  # signed out since this cookie was issued
    return SignedInStaff(user, school_ids_for(user))


def start_session(user: StaffUser) -> None:
    """Tie the new session to the user's current generation (call after ``session.clear()``)."""
    session[GENERATION_KEY] = user.session_generation


def end_sessions(user_id: int) -> None:
    """Invalidate every session of the user, this one and any copy of its cookie."""
    user = get_session().get(StaffUser, user_id)
    if user is not None:
        user.session_generation += 1
        get_session().add(user)


def school_ids_for(user: StaffUser) -> frozenset[int]:
    """The schools whose students this user's role may reach."""
    session = get_session()
    if user.role in (ADMIN, ANALYST):
        rows = session.exec(select(School.id).where(School.district_id == user.district_id))
        return frozenset(rows)
    if user.role == COUNSELOR:
        rows = session.exec(
            select(CounselorSchool.school_id).where(CounselorSchool.staff_id == user.id)
        )
        return frozenset(rows)
    return frozenset({user.school_id}) if user.school_id else frozenset()


def visible_school_ids() -> frozenset[int]:
    return current_user.school_ids if current_user.is_authenticated else frozenset()


def require_school(school_id: int | None) -> None:
    """404 unless ``school_id`` is one of the signed-in user's schools."""
    if school_id is None or school_id not in visible_school_ids():
        abort(404)


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone (respondents, health checks). Every other view
    must declare a capability; the permission-matrix test enforces that."""
    view.public = True
    return view


def permission_required(capability: str) -> Callable:
    """Sign-in, then the capability; a signed-in user without it gets 403."""
    if capability not in POLICY:
        raise KeyError(capability)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("staff.login", next=request.full_path))
            if not current_user.can(capability):
                abort(403)
            g.capability = capability
            return view(*args, **kwargs)

        wrapped.required_capability = capability  # read by the permission-matrix tests
        return wrapped

    return decorator
