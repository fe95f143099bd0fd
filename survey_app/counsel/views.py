"""Caseload, student profile and follow-ups: load, check, act, render."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from relationships.tiers import TIERS
from survey_app.audited import audited
from survey_app.auth import permission_required, visible_school_ids
from survey_app.counsel import profile_page
from survey_app.counsel.forms import DecisionForm, FollowUpUpdateForm, MentorForm
from survey_app.db import get_session, write_next
from survey_app.inputs import id_number, page_number, whole_number
from survey_app.reading import loader
from survey_app.services import audit, followups, reconciliation, students
from survey_app.services import caseload as caseload_service
from survey_app.words import labels, reasons

bp = Blueprint("counsel", __name__, url_prefix="/counsel")


def _context() -> loader.Context:
    return loader.context(session=get_session(), district_id=current_user.district_id)


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=whole_number)


def _tier() -> str | None:
    """The tier asked for: "all" is every student; none asked opens on the most urgent
    tier, unless a reason is chosen (then every tier with that reason)."""
    asked = request.args.get("tier")
    if asked == "all":
        return None
    if asked in TIERS:
        return asked
    return None if request.args.get("flag") else TIERS[0]


def _filters() -> caseload_service.Filters:
    sort = request.args.get("sort", "priority")
    return caseload_service.Filters(tier=_tier(),
        school_id=_int_arg("school"), grade=_int_arg("grade"),
        flag=request.args.get("flag") or None, group=request.args.get("group") or None,
        has_followup=request.args.get("followup") if request.args.get("followup") in
        ("yes", "no") else None,
        sort=sort if sort in caseload_service.SORTS else "priority", page=request.args.get("page", 1, type=page_number))


def chosen_schools(school_id: int | None) -> list[int]:
    """The schools a page covers: one the user may see (else 404), or all of them."""
    visible = visible_school_ids()
    if school_id is not None:
        if school_id not in visible:
            abort(404)
        return [school_id]
    return sorted(visible)


@bp.get("/students")
@permission_required("caseload.work")
@audited("view_caseload")
def caseload():
    """List the students to connect with, with their reasons and strengths."""
    filters = _filters()
    schools = chosen_schools(filters.school_id)
    db = get_session()
    page = caseload_service.caseload_page(session=db, ctx=_context(), school_ids=schools,
                                          filters=filters, today=date.today())
    audited.note(target_type="school", target_id=filters.school_id or "all",
                 school_id=filters.school_id,
                 detail={"schools": schools, "page": filters.page, "flag": filters.flag,
                         "grade": filters.grade})
    options = caseload_options(db, schools)
    return render_template("counsel/caseload.html", page=page, filters=filters,
                           options=options, page_url=_page_url, tier_url=_tier_url,
                           tiers=TIERS, tier_names=labels.TIER_NAMES,
                           tier_hints=labels.TIER_HINTS,
                           download_url=url_for("counsel.download_caseload",
                                                **{k: v for k, v in request.args.items()
                                                   if k != "page"}),
                           sheet_url=url_for("counsel.meeting_sheet",
                                             school=filters.school_id or "",
                                             grade="" if filters.grade is None
                                             else filters.grade))


def _page_url(number: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(number)
    return url_for("counsel.caseload", **args)


def _tier_url(tier: str) -> str:
    """This page's filters with another tier ("all": every tier), from its first page."""
    args = {k: v for k, v in request.args.to_dict().items() if k not in ("page", "tier")}
    return url_for("counsel.caseload", tier=tier, **args)


def caseload_options(db, schools) -> dict:
    """Choices of the filter form, labels translated."""
    codes = [c for c in reasons.FLAG_NAMES if c != "anchor_load"]
    return {
        "schools": caseload_service.school_choices(session=db, school_ids=visible_school_ids()),
        "grades": [(g, labels.grade_name(g)) for g in range(0, 13)],
        "flags": [(c, reasons.flag_name(c)) for c in codes]
        + [("help_request", labels.HELP_FILTER)],
        "groups": [(g, labels.GROUP_NAMES[g]) for g in caseload_service.GROUPS]
        + [(f"race:{c}", label) for c, label in labels.RACE_NAMES.items()],
        "sorts": [(s, labels.SORT_NAMES[s]) for s in caseload_service.SORTS],
    }


# --- student profile ---------------------------------------------------------------------

def _student_or_404(student_id: int):
    student = students.find_student(session=get_session(), student_id=student_id,
                                    school_ids=visible_school_ids())
    if student is None:
        abort(404)
    return student


def _audit(action: str, student, **detail) -> None:
    """Audit first, in a transaction of its own: the write never upgrades a read snapshot."""
    db = get_session()
    db.rollback()
    write_next(db)  # wait for the write lock: a deferred upgrade may be refused at once
    audit.record(session=db, staff_id=current_user.id, action=action, target_type="student",
                 target_id=student.id, school_id=student.school_id, detail=detail,
                 ip=request.remote_addr)
    db.commit()


@bp.get("/students/<int:student_id>")
@permission_required("students.identify")
@audited.by_view({"GET": "view_student"}, when="always, before the profile is read")
def student(student_id: int):
    """Show a student's adults, support map, reasons, follow-ups and history."""
    found = _student_or_404(student_id)
    _audit("view_student", found, map=True)
    db, ctx = get_session(), _context()
    page = profile_page.build(db, ctx, found, today=date.today())
    return render_template("counsel/student.html", **page)


@bp.post("/students/<int:student_id>/followups")
@permission_required("caseload.work")
@audited({"POST": "followup_add"})
def add_followup(student_id: int):
    """Open a follow-up from a flag or a family's request for help."""
    found = _student_or_404(student_id)
    db = get_session()
    form = profile_page.followup_form(db, found)
    if not form.validate_on_submit():
        audited.note(skip=True)  # nothing was saved
        flash(_("Please write a note and choose who will do it."), "error")
        return redirect(url_for("counsel.student", student_id=found.id, _anchor="followups"))
    try:
        made = followups.create(session=db, student=found, created_by_id=current_user.id,
                                owner_id=form.owner_id.data, note=form.note.data,
                                due_on=form.due_on.data, goal=form.goal.data,
                                frequency=form.frequency.data or None,
                                **profile_page.about(form.about.data))
    except followups.FollowUpError:
        audited.note(skip=True)  # nothing was saved
        abort(400)
    db.commit()
    audited.note(school_id=found.school_id,
                 detail={"followup": getattr(made, "id", None), "owner": form.owner_id.data})
    flash(_("Follow-up saved."), "success")
    return redirect(url_for("counsel.student", student_id=found.id, _anchor="followups"))


@bp.post("/students/<int:student_id>/followups/<int:followup_id>")
@permission_required("caseload.work")
@audited({"POST": "followup_update"})
def update_followup(student_id: int, followup_id: int):
    """Change a follow-up's status and note what happened."""
    found = _student_or_404(student_id)
    db = get_session()
    row = followups.get(session=db, followup_id=followup_id, student_id=found.id)
    if row is None:
        abort(404)
    form = FollowUpUpdateForm(prefix=f"f{row.id}")
    if form.validate_on_submit():
        followups.update(session=db, followup=row, status=form.status.data,
                         outcome=form.outcome.data, progress=form.progress.data,
                         staff_id=current_user.id, today=date.today())
        db.commit()
        audited.note(school_id=found.school_id,
                     detail={"followup": row.id, "status": form.status.data})
        flash(_("Follow-up updated."), "success")
    else:
        audited.note(skip=True)  # nothing was changed
        flash(_("Please choose a status."), "error")
    return redirect(url_for("counsel.student", student_id=found.id, _anchor="followups"))


@bp.post("/students/<int:student_id>/mentor")
@permission_required("caseload.work")
@audited({"POST": "mentor_assign"})
def assign_mentor(student_id: int):
    """Make one of the suggested staff the student's mentor; book the check-ins."""
    found = _student_or_404(student_id)
    db, ctx = get_session(), _context()
    form = MentorForm()
    allowed = profile_page.mentor_ids(db, ctx, found)
    staff_id = request.form.get("staff_id", -1, type=id_number)
    if not form.validate_on_submit() or staff_id not in allowed:
        abort(400)
    followups.assign_mentor(session=db, student=found, staff_id=staff_id,
                            created_by_id=current_user.id, allowed=allowed, today=date.today(),
                            goal=_("Meet every two weeks and become an adult at school the "
                                   "student can count on."))
    db.commit()
    audited.note(school_id=found.school_id, detail={"mentor": staff_id})
    flash(_("Mentor plan made: the mentor sees the student on their \"my students\" page; "
            "check-ins are booked in 4 weeks and in 2 months."), "success")
    return redirect(url_for("counsel.student", student_id=found.id, _anchor="followups"))


@bp.post("/students/<int:student_id>/matches/<int:keep>/<int:merge>")
@permission_required("caseload.work")
@audited.by_view({"POST": "decide_match"}, when="a decision was saved, with it")
def decide_match(student_id: int, keep: int, merge: int):
    """Answer a "same person?" question about two adults."""
    found = _student_or_404(student_id)
    db, ctx = get_session(), _context()
    form = DecisionForm()
    proposal = profile_page.find_proposal(db, ctx, found, keep, merge)
    if proposal is None:
        abort(404)
    if not form.validate_on_submit() or form.decision.data not in ("same", "different"):
        abort(400)
    reconciliation.decide(session=db, proposal=proposal, accept=form.decision.data == "same",
                          staff_id=current_user.id)
    audit.record(session=db, staff_id=current_user.id, action="decide_match",
                 target_type="student", target_id=found.id, school_id=found.school_id,
                 detail={"keep": keep, "merge": merge, "decision": form.decision.data},
                 ip=request.remote_addr)
    db.commit()  # the decision and its audit event together, or neither
    flash(_("Thank you. The map now shows them as one person.") if form.decision.data == "same"
          else _("Thank you. They stay two people."), "success")
    return redirect(url_for("counsel.student", student_id=found.id, _anchor="matches"))
