"""Staff sign-in, sign-out and the landing page of each role."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, logout_user
from sqlmodel import select
from werkzeug.exceptions import HTTPException

from survey_app import signin, sso
from survey_app.audited import audited
from survey_app.auth import (
    end_sessions,
    permission_required,
    public,
    require_school,
    visible_school_ids,
)
from survey_app.db import get_session
from survey_app.i18n import native_name
from survey_app.inputs import id_number, page_number, whole_number
from survey_app.models import Household, School
from survey_app.services import audit, waves
from survey_app.services import engagement as engagement_service
from survey_app.services import mapping as mapping_service
from survey_app.staff.forms import EngagementForm, LoginForm

bp = Blueprint("staff", __name__, url_prefix="/staff")

#: What each part of the workspace is, shown on the landing page when the user may use it.
SECTIONS = [
    ("mapping.edit", "staff.my_students", _l("My students"),
     _l("The students you mentor or follow up with, and what is due this week.")),
    ("mapping.edit", "staff.mapping", _l("Relationship mapping"),
     _l("Mark the students you have a trusting relationship with.")),
    ("classes.view", "staff.classes", _l("My classes"),
     _l("Each student's work beside what home is like, and what might help.")),
    ("classes.view", "staff.families", _l("My families"),
     _l("Your contacts with your students' families, and which ones you trust.")),
    ("engagement.log", "staff.engagement", _l("Family contacts"),
     _l("Record a call, a visit or a conference with a family.")),
    ("caseload.work", "counsel.caseload", _l("Students to connect with"),
     _l("Students who may need more adults they can count on, with the reasons.")),
    ("caseload.work", "counsel.school_map", _l("School map"),
     _l("Students and staff and the ties between them.")),
    ("engagement.school", "staff.school_families", _l("Family engagement by teacher"),
     _l("Two-way contacts and trust with families, per teacher, grade and group.")),
    ("equity.view", "counsel.equity", _l("Equity view"),
     _l("Opportunity gaps by group, with small groups hidden.")),
    ("responses.track", "admin.responses", _l("Response rates"),
     _l("Who has answered the surveys, by school, grade, language and group.")),
    ("exports.aggregate", "exports.index", _l("Exports"),
     _l("Download lists and reports.")),
    ("roster.import", "exports.import_roster", _l("Roster import"),
     _l("Load students, staff and families from a OneRoster file.")),
    ("settings.edit", "admin.settings", _l("Settings"),
     _l("Flag rules, the smallest group shown, languages and survey windows.")),
    ("audit.read", "admin.audit_log", _l("Audit log"),
     _l("Who viewed or exported student data, and when.")),
]


#: Words for the stored codes of a family contact.
CONTACT_LABELS = {
    "call": _l("Phone call"), "text": _l("Text message"), "email": _l("Email"),
    "home_visit": _l("Home visit"), "conference": _l("Conference"),
    "event": _l("School event"), "other": _l("Other"),
    "school": _l("The school"), "family": _l("The family"),
}

ROLE_DESCRIPTIONS = {
    "district_admin": _l("You look after the whole district: rosters, settings, exports and the audit log."),
    "counselor": _l("You see the students of your schools who may need more adults to count on, and you plan the next steps."),
    "staff": _l("You can mark the students you know well and log your contacts with families."),
    "analyst": _l("You see district figures by group. Student names are never shown to your role."),
}


def _is_id(raw: str) -> bool:
    try:
        return id_number(raw) > 0
    except ValueError:
        return False


def _safe_next(target: str | None) -> str:
    """A path of this app to go to after sign-in, else the workspace home.

    Browsers and Werkzeug read a URL more loosely than ``urlsplit``: ``////evil.example``
    collapses to ``//evil.example``, a backslash is a slash, tabs and newlines are
    dropped, and an encoded slash may be decoded on the way. So the target must match
    one of this app's routes (``url_map``) as a plain path: one leading slash, nothing
    encoded or ambiguous before the path starts.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("staff.home")
    if any(ch in target for ch in "\\\t\r\n") or any(ord(ch) < 32 for ch in target):
        return url_for("staff.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "%" in parts.path:
        return url_for("staff.home")
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(parts.path, method="GET")
    except HTTPException:
        return url_for("staff.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign a staff member in: buttons for the single sign-on providers, and the email and
    password form unless the district turned it off (``survey_app.signin``)."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.home"))
    form = LoginForm()
    shown = signin.password_form_shown()
    if request.method == "POST" and not shown:
        return _login_page(form, 403, refusals=[PASSWORD_OFF])
    if form.validate_on_submit():
        checked = signin.check_password(form.email.data, form.password.data)
        if checked.user is not None:
            signin.open_session(checked.user)
            get_session().commit()
            return redirect(_safe_next(request.args.get("next")))
        if checked.outcome == "throttled":
            form.password.errors.append(_("Please wait a little and try again."))
            return _login_page(form, 429, headers={"Retry-After": str(checked.wait)})
        if checked.outcome == "password_off":
            return _login_page(form, 403, refusals=[PASSWORD_OFF])
        form.password.errors.append(_("That email and password do not match. Please try again."))
        return _login_page(form, 401)
    return _login_page(form, 400 if request.method == "POST" else 200)


#: Said when a district signs its staff in through its provider only.
PASSWORD_OFF = _l("Your district signs staff in through its sign-in provider: please use the "
                  "button above.")


def _login_page(form: LoginForm, status: int, *, refusals=(), headers=None):
    return render_template(
        "staff/login.html", form=form, refusals=refusals,
        providers=list(sso.providers().values()), password_form=signin.password_form_shown(),
        next=request.args.get("next")), status, headers or {}


@bp.post("/logout")
@public
def logout():
    """Sign out and forget the session."""
    lang = session.get("lang")
    if current_user.is_authenticated:
        end_sessions(current_user.id)
        audit.record(session=get_session(), staff_id=current_user.id, action="sign_out",
                     target_type="staff_user", target_id=current_user.id,
                     ip=request.remote_addr)
        get_session().commit()
        logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "success")
    return redirect(url_for("staff.login"))


@bp.get("/")
@permission_required("workspace.enter")
@audited.nothing("the menu of the workspace: no one's data")
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


# --- relationship mapping ---------------------------------------------------------------

def _grid_args(source) -> dict:
    """The grid's filters from a query string or a posted form (kept across saves)."""
    return {"school": source.get("school", type=id_number),
            "grade": source.get("grade", type=whole_number),
            "section": source.get("section", type=id_number),
            "q": (source.get("q") or "").strip()[:100],
            "page": source.get("page", 1, type=page_number)}


def _mapping_school(db, school_id: int | None) -> School | None:
    """The school whose grid is shown: the one asked for (404 if not the user's), or the
    user's only school; None when the user must choose."""
    visible = visible_school_ids()
    if school_id is None and len(visible) == 1:
        school_id = next(iter(visible))
    if school_id is None:
        return None
    require_school(school_id)
    return db.get(School, school_id) or abort(404)


def _link_args(args: dict) -> dict:
    """The filters worth keeping in a link (no page, nothing empty)."""
    return {k: v for k, v in args.items() if k != "page" and v not in (None, "")}


def _grid_url(args: dict) -> str:
    page = args["page"] if args["page"] > 1 else None
    return url_for("staff.mapping", **_link_args(args), **({"page": page} if page else {}))


@bp.get("/mapping")
@permission_required("mapping.edit")
@audited("view_mapping")
def mapping():
    """The relationship-mapping grid: one page of the school's students and *my* marks."""
    db = get_session()
    args = _grid_args(request.args)
    school = _mapping_school(db, args["school"])
    if school is None:
        schools = db.exec(select(School).where(School.id.in_(visible_school_ids()))
                          .order_by(School.name)).all()
        audited.note(skip=True)  # the list of schools: no one's data
        return render_template("staff/mapping_schools.html", schools=schools)
    audited.note(target_type="school", target_id=school.id, school_id=school.id)
    wave = waves.current_wave(session=db, district_id=current_user.district_id)
    sections = mapping_service.sections(session=db, school_id=school.id,
                                        staff_id=current_user.id)
    if args["section"] is not None and args["section"] not in {s[0] for s in sections}:
        abort(404)
    grid = mapping_service.grid_page(
        session=db, staff_id=current_user.id, school_id=school.id,
        wave_id=wave.id if wave else None, grade=args["grade"], section_id=args["section"],
        query=args["q"], page=args["page"])
    args["page"] = grid.page
    return render_template(
        "staff/mapping.html", school=school, wave=wave, grid=grid, args=args,
        grades=mapping_service.grades(session=db, school_id=school.id), sections=sections,
        several_schools=len(visible_school_ids()) > 1, link_args=_link_args(args),
    )


@bp.post("/mapping")
@permission_required("mapping.edit")
@audited({"POST": "mapping_save"})
def save_mapping():
    """Save the marks of one page of the grid (the form post that works without JavaScript)."""
    db = get_session()
    args = _grid_args(request.form)
    school = _mapping_school(db, args["school"]) or abort(404)
    wave = waves.current_wave(session=db, district_id=current_user.district_id) or abort(409)
    ids = [int(i) for i in request.form.getlist("ids") if _is_id(i)][:mapping_service.PAGE_SIZE]
    marks = {i: {m: request.form.get(f"{m}-{i}") == "1" for m in mapping_service.MARKS}
             for i in ids}
    saved = mapping_service.save_marks(session=db, staff_id=current_user.id, wave_id=wave.id,
                                       school_ids=[school.id], marks=marks)
    db.commit()
    audited.note(target_type="school", target_id=school.id, school_id=school.id,
                 detail={"students": saved})
    flash(ngettext("Saved: %(num)d student.", "Saved: %(num)d students.", saved), "success")
    if request.form.get("go") == "next":
        args["page"] += 1
    return redirect(_grid_url(args))


@bp.post("/mapping/students/<int:student_id>")
@permission_required("mapping.edit")
@audited({"POST": "mapping_save"})
def save_mark(student_id: int):
    """Save one student's three marks (sent by the grid's script as soon as a box changes)."""
    db = get_session()
    if not mapping_service.student_in_schools(session=db, student_id=student_id,
                                              school_ids=visible_school_ids()):
        abort(404)
    wave = waves.current_wave(session=db, district_id=current_user.district_id)
    if wave is None:
        return jsonify(saved=False, message=_("There is no survey window yet.")), 409
    marks = {m: request.form.get(m) == "1" for m in mapping_service.MARKS}
    mapping_service.save_marks(session=db, staff_id=current_user.id, wave_id=wave.id,
                               school_ids=visible_school_ids(), marks={student_id: marks})
    db.commit()
    return jsonify(saved=True, student_id=student_id, **marks)


# --- family engagement log --------------------------------------------------------------

@bp.get("/engagement")
@permission_required("engagement.log")
@audited("view_families")
def engagement():
    """The families of my schools' students, found by a child's name, with their contacts."""
    db = get_session()
    query = (request.args.get("q") or "").strip()[:100]
    page = request.args.get("page", 1, type=page_number)
    rows, total = engagement_service.family_page(
        session=db, school_ids=visible_school_ids(), query=query, page=page)
    pages = max(1, -(-total // engagement_service.PAGE_SIZE))
    audited.note(target_type="families", target_id=query or None,
                 detail={"page": page, "shown": len(rows), "query": bool(query)})
    return render_template("staff/engagement.html", rows=rows, total=total, page=page,
                           pages=pages, query=query, language_name=native_name)


@bp.route("/engagement/households/<int:household_id>", methods=["GET", "POST"])
@permission_required("engagement.log")
@audited({"GET": "view_family", "POST": "engagement_add"})
def household(household_id: int):
    """A family's contacts, and the form to record a new one."""
    db = get_session()
    kids = engagement_service.children(session=db, household_id=household_id,
                                       school_ids=visible_school_ids())
    if not kids:
        abort(404)
    audited.note(school_id=kids[0][3])
    form = EngagementForm()
    if request.method == "GET":
        form.contacted_on.data = date.today()
    elif form.validate():
        engagement_service.log_contact(
            session=db, household_id=household_id, school_id=kids[0][3],
            staff_id=current_user.id, data=form.data)
        db.commit()
        flash(_("The contact is saved."), "success")
        return redirect(url_for("staff.household", household_id=household_id))
    contacts = engagement_service.contacts(session=db, household_id=household_id,
                                           school_ids=visible_school_ids(),
                                           viewer_id=current_user.id)
    language = db.get(Household, household_id).language
    return render_template("staff/household.html", form=form, children=kids,
                           contacts=contacts, household_id=household_id,
                           language=native_name(language) if language else "",
                           labels=CONTACT_LABELS), (400 if request.method == "POST" else 200)
