"""Staff sign-in, sign-out and the landing page of each role."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from survey_app.auth import SignedInStaff, permission_required, public, school_ids_for
from survey_app.db import get_session
from survey_app.security import limiter
from survey_app.services import audit, users
from survey_app.staff.forms import LoginForm

bp = Blueprint("staff", __name__, url_prefix="/staff")

#: What each part of the workspace is, shown on the landing page when the user may use it.
SECTIONS = [
    ("mapping.edit", "staff.mapping", _l("Relationship mapping"),
     _l("Mark the students you have a trusting relationship with.")),
    ("engagement.log", "staff.engagement", _l("Family contacts"),
     _l("Record a call, a visit or a conference with a family.")),
    ("caseload.work", "counsel.caseload", _l("Students to connect with"),
     _l("Students who may need more adults they can count on, with the reasons.")),
    ("caseload.work", "counsel.school_map", _l("School map"),
     _l("Students and staff and the ties between them.")),
    ("equity.view", "counsel.equity", _l("Equity view"),
     _l("Opportunity gaps by group, with small groups hidden.")),
    ("responses.track", "counsel.responses", _l("Response rates"),
     _l("Who has answered the surveys, by school, grade, language and group.")),
    ("exports.identifiable", "exports.index", _l("Exports"),
     _l("Download lists and reports.")),
    ("roster.import", "exports.import_roster", _l("Roster import"),
     _l("Load students, staff and families from a OneRoster file.")),
    ("settings.edit", "counsel.settings", _l("Settings"),
     _l("Flag rules, the smallest group shown, languages and survey windows.")),
    ("audit.read", "counsel.audit_log", _l("Audit log"),
     _l("Who viewed or exported student data, and when.")),
]


ROLE_DESCRIPTIONS = {
    "district_admin": _l("You look after the whole district: rosters, settings, exports and the audit log."),
    "counselor": _l("You see the students of your schools who may need more adults to count on, and you plan the next steps."),
    "staff": _l("You can mark the students you know well and log your contacts with families."),
    "analyst": _l("You see district figures by group. Student names are never shown to your role."),
}


def _account_key() -> str:
    email = (request.form.get("email") or "").strip().lower()[:320]
    return f"login:{request.remote_addr}:{email}"


def _address_key() -> str:
    return f"login-ip:{request.remote_addr}"


def _failed(response) -> bool:
    """Only refused sign-ins count: colleagues behind one school address are not slowed."""
    return response.status_code in (400, 401)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute URL or a scheme-relative one."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("staff.home")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute; 50 per hour; 100 per day", key_func=_account_key,
               methods=["POST"], deduct_when=_failed)
@limiter.limit("30 per minute; 300 per hour", key_func=_address_key, methods=["POST"],
               deduct_when=_failed)
def login():
    """Sign a staff member in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.home"))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = users.authenticate(session=db, email=form.email.data, password=form.password.data)
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session at sign-in: no fixation
            if lang:
                session["lang"] = lang
            session.permanent = True
            login_user(SignedInStaff(user, school_ids_for(user)))
            audit.record(session=db, staff_id=user.id, action="sign_in", ip=request.remote_addr)
            db.commit()
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("That email and password do not match. Please try again."))
        return render_template("staff/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("staff/login.html", form=form), status


@bp.post("/logout")
@public
def logout():
    """Sign out and forget the session."""
    lang = session.get("lang")
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "success")
    return redirect(url_for("staff.login"))


@bp.get("/")
@permission_required("workspace.enter")
def home():
    """Show what this role can do here."""
    sections = [
        {"url": url_for(endpoint), "title": title, "text": text}
        for capability, endpoint, title, text in SECTIONS
        if current_user.can(capability) and endpoint in current_app.view_functions
    ]
    return render_template(
        "staff/home.html", sections=sections,
        role_description=ROLE_DESCRIPTIONS.get(current_user.role, ""),
    )
