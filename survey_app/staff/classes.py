"""My classes and my families: a teacher's classroom view, and the school leaders' view of
family engagement. Every page that names students is audited."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.audited import audited
from survey_app.auth import (
    ADMIN,
    COUNSELOR,
    permission_required,
    require_school,
    visible_school_ids,
)
from survey_app.db import get_session
from survey_app.models import School
from survey_app.models.base import utcnow
from survey_app.reading import cache, loader
from survey_app.services import audit, school_engagement
from survey_app.services import classes as class_service
from survey_app.services import families as family_service
from survey_app.staff.forms import TrustForm
from survey_app.staff.views import bp
from survey_app.words import classroom as words


def _wide_scope():
    """Counselors and admins may open any class of their schools; a teacher only their own."""
    return visible_school_ids() if current_user.role in (ADMIN, COUNSELOR) else None


def _audit(action: str, target_type: str, target_id, school_id=None, **detail) -> None:
    audit.record(session=get_session(), staff_id=current_user.id, action=action,
                 target_type=target_type, target_id=target_id, school_id=school_id,
                 detail=detail, ip=request.remote_addr)


def _today():
    return utcnow().date()


@bp.get("/classes")
@permission_required("classes.view")
@audited.nothing("the names and sizes of classes; no student is named")
def classes():
    """The classes I teach (and, for counselors and admins, every class of their schools)."""
    db = get_session()
    found = class_service.list_classes(session=db, staff_id=current_user.id,
                                       school_ids=_wide_scope(),
                                       visible=visible_school_ids())
    return render_template("staff/classes.html", classes=found)


def _share_tables(db, *, student_ids, staff_ids, wave_id, min_n) -> dict:
    frame = family_service.share_frame(session=db, student_ids=student_ids, staff_ids=staff_ids,
                                       wave_id=wave_id, since=family_service.school_year_start(_today()))
    return family_service.class_shares(frame, min_n=min_n)


def _shares_shown(shares: dict, min_n: int, *, mine: bool = False) -> dict:
    """The suppressed tables in the reader's words (made per request: words follow the locale).
    ``mine``: the families of all my classes, not one class."""
    whole = _("All my families") if mine else None
    return {"measures": [{"name": words.MEASURES[m], "key": m, "tables": [
        {"by": by, "title": whole if by == "all" and whole else words.BY[by],
         "rows": words.share_rows(t, by, min_n, whole=whole)}
        for by, t in tables.items()], "left_out": [words.BY[by] for by in family_service.GROUPS
                                                   if by not in tables]}
        for m, tables in shares.items()],
        "reading": words.reading_line(family_service.reading(shares), compared=any(
            len(tables) > 1 for tables in shares.values())),
        "headline": [{"name": words.MEASURES[m], "shown": words.share_rows(t["all"], "all",
                                                                          min_n)[0]["shown"]}
                     for m, t in shares.items()]}


def _my_shares(db, *, student_ids, staff_ids, wave_id, min_n) -> dict:
    return _shares_shown(_share_tables(db, student_ids=student_ids, staff_ids=staff_ids,
                                       wave_id=wave_id, min_n=min_n), min_n, mine=True)


@bp.get("/classes/<int:section_id>")
@permission_required("classes.view")
@audited.by_view({"GET": "class_view"}, when="a class is shown")
def class_view(section_id: int):
    """One class: every student with context beside academics, sorted so help goes first."""
    db = get_session()
    section = class_service.find_class(session=db, section_id=section_id,
                                       staff_id=current_user.id, school_ids=_wide_scope(),
                                       visible=visible_school_ids())
    if section is None:
        abort(404)
    sort = request.args.get("sort", "priority")
    sort = sort if sort in class_service.SORTS else "priority"
    keep = request.args.get("show", "all")
    keep = keep if keep in class_service.FILTERS else "all"
    ctx = loader.context(session=db, district_id=current_user.district_id)
    teacher = class_service.class_teacher(session=db, section_id=section.id,
                                          staff_id=current_user.id)
    every, shares = cache.memo(
        db, ("class_view", section.id, teacher, ctx.wave_id, ctx.min_n, str(_today())),
        lambda: _class_data(db, section.id, teacher, ctx), school_ids=[section.school_id])
    rows = class_service.sort_and_filter(every, sort=sort, keep=keep)
    shares = _shares_shown(shares, ctx.min_n)
    audited.read_event("class_view", target_type="section", target_id=section.id,
                       school_id=section.school_id, students=len(every))
    return render_template(
        "staff/class.html", section=section, rows=[_row(r) for r in rows], sort=sort,
        keep=keep, total=len(every), priority=sum(r.tier == 0 for r in every), shares=shares,
        sorts=words.SORTS, filters=words.FILTERS, own=teacher == current_user.id,
        # Row links as prefixes: url_for per row cost a third of the page's time.
        student_href=url_for("staff.class_student", section_id=section.id, student_id=0)[:-1],
        family_href=url_for("staff.household", household_id=0)[:-1])


@bp.get("/classes/<int:section_id>/students/<int:student_id>")
@permission_required("classes.view")
@audited.by_view({"GET": "class_student_view"}, when="a student of the class is shown")
def class_student(section_id: int, student_id: int):
    """One student of one of my classes: the same facts as the class row, and my family mark."""
    db = get_session()
    section = class_service.find_class(session=db, section_id=section_id,
                                       staff_id=current_user.id, school_ids=_wide_scope(),
                                       visible=visible_school_ids())
    if section is None:
        abort(404)
    ctx = loader.context(session=db, district_id=current_user.district_id)
    teacher = class_service.class_teacher(session=db, section_id=section.id,
                                          staff_id=current_user.id)
    found = [r for r in class_service.class_rows(session=db, section_id=section.id,
                                                 teacher_id=teacher, wave_id=ctx.wave_id)
             if r.student_id == student_id]
    if not found:
        abort(404)  # not a student of this class
    family = family_service.family_rows(
        session=db, student_ids=[student_id], staff_id=current_user.id, wave_id=ctx.wave_id,
        since=family_service.school_year_start(_today()))
    audited.read_event("class_student_view", target_type="student", target_id=student_id,
                       school_id=section.school_id, section=section.id)
    return render_template("staff/class_student.html", section=section, row=_row(found[0]),
                           family=family[0] if family else None, trust_names=words.TRUST,
                           form=TrustForm(), wave=ctx.wave_id is not None,
                           own=teacher == current_user.id,
                           mine=found[0].household_id in class_service.household_ids(
                               session=db, student_ids=_my_student_ids(db)))


def _class_data(db, section_id: int, teacher: int | None, ctx) -> tuple[list, dict]:
    """The class's rows and family shares (kept per data version: any write moves it)."""
    every = class_service.class_rows(session=db, section_id=section_id, teacher_id=teacher,
                                     wave_id=ctx.wave_id)
    shares = _share_tables(db, student_ids=[r.student_id for r in every],
                           staff_ids=[teacher] if teacher else [], wave_id=ctx.wave_id,
                           min_n=ctx.min_n)
    return every, shares


def _row(r) -> dict:
    return {"id": r.student_id, "name": r.name, "grade": r.grade, "household_id": r.household_id,
            "completion": words.percent(r.completion), "attendance": words.percent(r.attendance),
            "grade_average": "—" if r.grade_average is None else f"{r.grade_average:g}",
            "low_completion": r.completion is not None
            and r.completion < class_service.LOW_COMPLETION,
            "home": words.home(r), "named": words.named_text(r.named_teacher, r.grade),
            "mark": words.mark_text(r.mark), "help": words.might_help(r), "tier": r.tier,
            "no_data": r.no_data}


def _my_student_ids(db) -> list[int]:
    mine = class_service.list_classes(session=db, staff_id=current_user.id, school_ids=None,
                                      visible=visible_school_ids())
    return class_service.student_ids(session=db, section_ids=[c.section_id for c in mine])


@bp.get("/families")
@permission_required("classes.view")
@audited.by_view({"GET": "families_view"}, when="my families are listed")
def families():
    """The families of my students: my contacts this year and whether I feel I trust them."""
    db = get_session()
    ctx = loader.context(session=db, district_id=current_user.district_id)
    ids = _my_student_ids(db)
    rows = family_service.family_rows(session=db, student_ids=ids, staff_id=current_user.id,
                                      wave_id=ctx.wave_id,
                                      since=family_service.school_year_start(_today()))
    shares = _my_shares(db, student_ids=ids, staff_ids=[current_user.id], wave_id=ctx.wave_id,
                     min_n=ctx.min_n)
    audited.read_event("families_view", target_type="staff", target_id=current_user.id,
                       families=len(rows))
    return render_template("staff/families.html", rows=rows, shares=shares,
                           trust_names=words.TRUST, wave=ctx.wave_id is not None,
                           form=TrustForm(), back=request.full_path,
                           family_href=url_for("staff.household", household_id=0)[:-1],
                           mark_href=url_for("staff.mark_family", household_id=0)[:-len("0/trust")])


def _back(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/staff/") \
                and "\\" not in target:
            return target
    return url_for("staff.families")


@bp.post("/families/<int:household_id>/trust")
@permission_required("classes.view")
@audited.by_view({"POST": "family_trust_mark"}, when="a mark was saved")
def mark_family(household_id: int):
    """Save my answer to "Do I have a trusting relationship with this family?" this wave."""
    db = get_session()
    if household_id not in class_service.household_ids(session=db,
                                                       student_ids=_my_student_ids(db)):
        abort(404)  # only the families of my own classes
    form = TrustForm()
    wave = loader.context(session=db, district_id=current_user.district_id).wave_id
    if wave is None:
        flash(_("There is no survey window yet."), "error")
    elif form.validate():
        family_service.set_trust(session=db, staff_id=current_user.id,
                                 household_id=household_id, wave_id=wave, trust=form.trust.data)
        _audit("family_trust_mark", "household", household_id, trust=form.trust.data)
        db.commit()
        flash(_("Your answer is saved."), "success")
    else:
        flash(_("Choose one of the answers, then save."), "error")
    return redirect(_back(request.form.get("next")))


@bp.get("/families/school")
@permission_required("engagement.school")
@audited.by_view({"GET": "engagement_school_view"}, when="a school's engagement is shown")
def school_families():
    """School leaders: the two shares per teacher, per grade and by group, small groups hidden."""
    db = get_session()
    visible = sorted(visible_school_ids())
    school_id = request.args.get("school", type=int) or (visible[0] if visible else None)
    require_school(school_id)
    school = db.get(School, school_id) or abort(404)
    ctx = loader.context(session=db, district_id=current_user.district_id)
    view = school_engagement.school_view(
        session=db, school_id=school.id, wave_id=ctx.wave_id, min_n=ctx.min_n,
        since=family_service.school_year_start(_today()))
    audited.read_event("engagement_school_view", target_type="school", target_id=school.id,
                       school_id=school.id)
    schools = [db.get(School, i) for i in visible]
    return render_template("staff/school_families.html", school=school, schools=schools,
                           view=words.school_tables(view, ctx.min_n), measures=words.MEASURES)
