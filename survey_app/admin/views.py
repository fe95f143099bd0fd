"""District administration and oversight: response rates, settings, the audit log."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select
from wtforms import SelectChoice

from relationships.rules import CODES, RULE_SOURCES, FlagRules
from relationships.tiers import RANKED, TIER_CODES, TIER_SOURCES, TierRules
from survey_app import signin
from survey_app.admin.forms import RULES, AuditFilterForm, ReopenForm, SettingsForm, WaveForm
from survey_app.audited import audited
from survey_app.auth import ANALYST, permission_required, visible_school_ids
from survey_app.db import get_session
from survey_app.exports.safe import safe_cell
from survey_app.i18n import complete_languages_here, native_name
from survey_app.inputs import id_number, page_number, whole_number
from survey_app.models import School, Student, SurveyWave
from survey_app.services import audit, reminders, response_rates, waves
from survey_app.services import settings as settings_service
from survey_app.words.labels import GENDER_NAMES, HELP_FILTER, RACE_NAMES, TIER_NAMES
from survey_app.words.reasons import FLAG_NAMES

bp = Blueprint("admin", __name__, url_prefix="/admin")


# --- response tracking ------------------------------------------------------------------

@bp.get("/responses", endpoint="responses")
@permission_required("responses.track")
@audited.by_view({"GET": "view_nonrespondents"}, when="a wave's nonrespondents are listed")
def responses_page():
    """Response rates by school, grade, language and group; who has not answered (not analysts)."""
    db = get_session()
    district_id = current_user.district_id
    all_waves = waves.list_waves(session=db, district_id=district_id)
    wave = _chosen_wave(all_waves, request.args.get("wave", type=id_number)) or waves.current_wave(
        session=db, district_id=district_id)
    if wave is None:
        return render_template("admin/responses.html", wave=None, waves=all_waves)
    school_ids = sorted(visible_school_ids())
    min_n = settings_service.get_settings(session=db, district_id=district_id).min_n
    analyst = current_user.role == ANALYST
    report = response_rates.report(session=db, wave_id=wave.id, school_ids=school_ids,
                              min_n=min_n, suppress_all=analyst)
    schools = dict(db.exec(_school_names(school_ids)).all())
    sent = reminders.figures(session=db, wave_id=wave.id, school_ids=school_ids)
    missing = None
    if current_user.can("students.identify"):
        missing = _nonrespondents(db, wave, school_ids)
    db.commit()  # the audit event of the list of names, if any
    return render_template("admin/responses.html", wave=wave, waves=all_waves, report=report,
                           schools=schools, min_n=min_n, missing=missing, reminded=sent,
                           language_name=native_name,
                           value_names={**RACE_NAMES, **GENDER_NAMES})


def _chosen_wave(all_waves: list[SurveyWave], wave_id: int | None) -> SurveyWave | None:
    if wave_id is None:
        return None
    return next((w for w in all_waves if w.id == wave_id), None) or abort(404)


def _school_names(school_ids):
    return select(School.id, School.name).where(School.id.in_(school_ids))


def _nonrespondents(db, wave: SurveyWave, school_ids: list[int]) -> dict:
    school_id = request.args.get("school", type=id_number)
    if school_id is not None and school_id not in school_ids:
        abort(404)
    grade = request.args.get("grade", type=whole_number)
    page = request.args.get("page", 1, type=page_number)
    per_page = 100
    rows, total = response_rates.nonrespondents(
        session=db, wave_id=wave.id, school_ids=[school_id] if school_id else school_ids,
        grade=grade, limit=per_page, offset=(page - 1) * per_page)
    audited.read_event("view_nonrespondents", target_type="wave", target_id=wave.id,
                       school_id=school_id, grade=grade, page=page, shown=len(rows))
    args = {k: v for k, v in {"wave": wave.id, "school": school_id, "grade": grade}.items()
            if v is not None}
    return {"rows": rows, "total": total, "page": page, "args": args,
            "pages": max(1, -(-total // per_page)), "school": school_id, "grade": grade}


# --- settings ---------------------------------------------------------------------------

def _settings_form(stored, formdata=None) -> SettingsForm:
    rules = settings_service.flag_rules(stored)
    data = {**rules.to_dict(), "min_n": stored.min_n, "languages": stored.languages or [],
            **{name: getattr(stored, name) for name in settings_service.REMINDER_SETTINGS},
            "future_low": rules.future_grades[0], "future_high": rules.future_grades[1]}
    data.update({f"on_{code}": code in rules.enabled for code in CODES})
    tiers = settings_service.tier_rules(stored)
    data.update({f"tier_{code}": tiers.tier_of[code] for code in TIER_CODES})
    data["escalate"] = sorted(tiers.escalate)
    form = SettingsForm(formdata=formdata, data=data)
    form.languages.choices = [SelectChoice(c, native_name(c)) for c in complete_languages_here()]
    form.escalate.choices = [SelectChoice(c, reason_name(c)) for c in TIER_CODES
                             if c != "no_school_adult"]
    return form


def reason_name(code: str) -> str:
    """A reason's short name: a flag's, or the family's request for help."""
    return str(HELP_FILTER if code == "help_request" else FLAG_NAMES[code])


def _tiers_from(form: SettingsForm) -> TierRules:
    return TierRules.from_dict({
        "tier_of": {code: form[f"tier_{code}"].data for code in TIER_CODES},
        "escalate": form.escalate.data or [],
    })


def _rules_from(form: SettingsForm) -> FlagRules:
    return FlagRules.from_dict({
        "enabled": [c for c in CODES if form[f"on_{c}"].data],
        "min_reliability": form.min_reliability.data,
        "few_reliable_minimum": form.few_reliable_minimum.data,
        "narrow_web_minimum": form.narrow_web_minimum.data,
        "support_gap_types": form.support_gap_types.data or [],
        "future_grades": [form.future_low.data, form.future_high.data],
        "lost_adults_drop": form.lost_adults_drop.data,
        "barrier_internet": form.barrier_internet.data or [],
        "phone_is_device": bool(form.phone_is_device.data),
        "anchor_load_minimum": form.anchor_load_minimum.data,
        "five_adults_minimum": form.five_adults_minimum.data,
    })


def _render_settings(form: SettingsForm, wave_form: WaveForm | None = None,
                     edited: tuple[int, WaveForm] | None = None, status: int = 200):
    db = get_session()
    all_waves = waves.list_waves(session=db, district_id=current_user.district_id)
    wave_forms = {w.id: WaveForm(formdata=None, obj=w, prefix=f"wave{w.id}") for w in all_waves}
    if edited:
        wave_forms[edited[0]] = edited[1]
    return render_template(
        "admin/settings.html", form=form, rules=RULES, sources=RULE_SOURCES,
        defaults=_default_texts(form), default_enabled=FlagRules().enabled, waves=all_waves,
        tier_codes=TIER_CODES, tier_names=TIER_NAMES, tier_sources=TIER_SOURCES,
        default_tiers=TierRules(), ranked=RANKED, reason_name=reason_name,
        default_escalate=", ".join(reason_name(c) for c in sorted(TierRules().escalate)),
        wave_form=wave_form or WaveForm(formdata=None),
        wave_forms=wave_forms, wave_states={w.id: waves.state(w) for w in all_waves},
        reopen_forms={w.id: ReopenForm(formdata=None, prefix=f"reopen{w.id}") for w in all_waves},
        sign_in=signin.settings_summary(current_user.district_id),
    ), status


def _default_texts(form: SettingsForm) -> dict[str, str]:
    """Each threshold's default value, as words for the page."""
    rules = FlagRules()
    values = {**rules.to_dict(), "future_low": rules.future_grades[0],
              "future_high": rules.future_grades[1],
              "min_n": settings_service.DEFAULT_MIN_N}
    texts = {}
    for name, value in values.items():
        if name not in form or name == "enabled":
            continue
        f = form[name]
        if f.type == "MultiCheckboxField":
            labels = {c.value: c.label for c in f.choices}
            texts[name] = ", ".join(str(labels[v]) for v in value if v in labels)
        elif f.type == "BooleanField":
            texts[name] = _("ticked") if value else _("not ticked")
        elif f.type == "SelectField":
            texts[name] = str({c.value: c.label for c in f.choices}[value])
        else:
            texts[name] = str(value)
    return texts


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("settings.edit")
@audited.by_view({"POST": "settings_change"}, when="a setting changed (service)")
def settings():
    """Flag thresholds with defaults and sources, min n, languages; waves below."""
    db = get_session()
    stored = settings_service.get_settings(session=db, district_id=current_user.district_id,
                                           create=request.method == "POST")
    form = _settings_form(stored, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        try:
            rules, tiers = _rules_from(form), _tiers_from(form)
        except ValueError:
            form.form_errors.append(_("These settings do not fit together. Please check them."))
            return _render_settings(form, status=400)
        changed = settings_service.update_settings(
            session=db, settings=stored, staff_id=current_user.id, rules=rules,
            min_n=form.min_n.data, languages=form.languages.data or [], tiers=tiers,
            ip=request.remote_addr,
            reminders={name: form[name].data for name in settings_service.REMINDER_SETTINGS})
        db.commit()
        flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("admin.settings"))
    return _render_settings(form, status=400 if request.method == "POST" else 200)


@bp.post("/settings/waves")
@permission_required("settings.edit")
@audited.by_view({"POST": "wave_add"}, when="a window was added")
def add_wave():
    """Add a survey window."""
    form = WaveForm()
    if not form.validate():
        return _render_settings(_settings_form(_stored()), wave_form=form, status=400)
    db = get_session()
    wave = waves.add_wave(session=db, district_id=current_user.district_id,
                          name=form.name.data, opens_on=form.opens_on.data,
                          closes_on=form.closes_on.data)
    return _wave_saved(db, wave, action="wave_add", before=None,
                       done=_("Survey window added."))


@bp.post("/settings/waves/<int:wave_id>")
@permission_required("settings.edit")
@audited.by_view({"POST": "wave_change"}, when="a window changed")
def edit_wave(wave_id: int):
    """Rename a survey window or change its dates."""
    db = get_session()
    wave = _own_wave(db, wave_id)
    form = WaveForm(prefix=f"wave{wave_id}")
    if not form.validate():
        return _render_settings(_settings_form(_stored()), edited=(wave_id, form), status=400)
    before = waves.wave_dict(wave)
    wave.name, wave.opens_on, wave.closes_on = (form.name.data.strip(), form.opens_on.data,
                                                form.closes_on.data)
    db.add(wave)
    db.flush()
    return _wave_saved(db, wave, action="wave_change", before=before,
                       done=_("Survey window saved."))


def _own_wave(db, wave_id: int) -> SurveyWave:
    """The signed-in admin's district's wave ``wave_id`` (404 for any other)."""
    wave = db.get(SurveyWave, wave_id)
    if wave is None or wave.district_id != current_user.district_id:
        abort(404)
    return wave


def _wave_saved(db, wave: SurveyWave, *, action: str, before: dict | None, done: str,
                always: bool = False):
    """What every window handler does last: audit the change (before → after), commit, say
    so and go back to the windows. Nothing changed: nothing audited, and the admin is told
    (unless ``always``: a reopening is audited even when its dates stay)."""
    after = waves.wave_dict(wave)
    changed = always or after != before
    if changed:
        audit.record(session=db, staff_id=current_user.id, action=action, target_type="wave",
                     target_id=wave.id, detail={"before": before, "after": after},
                     ip=request.remote_addr)
    db.commit()
    flash(done if changed else _("Nothing changed."), "success")
    return _back_to_waves()


def _back_to_waves():
    return redirect(url_for("admin.settings", _anchor="waves"))


def _stored():
    return settings_service.get_settings(session=get_session(),
                                         district_id=current_user.district_id)


# --- audit log --------------------------------------------------------------------------

@bp.get("/audit")
@permission_required("audit.read")
@audited("view_audit_log")
def audit_log():
    """Who viewed, exported or changed what, and when; filtered and paged."""
    db = get_session()
    form, filters = _audit_filters(db)
    page = request.args.get("page", 1, type=page_number)
    rows, total = audit.find(session=db, district_id=current_user.district_id,
                             filters=filters, page=page)
    pages = max(1, -(-total // audit.PAGE_SIZE))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    audited.note(target_type="audit_log", target_id=current_user.district_id,
                 detail={"filters": args, "page": page})
    return render_template("admin/audit_log.html", form=form, rows=rows, total=total,
                           page=page, pages=pages, args=args)


@bp.get("/audit.csv")
@permission_required("audit.read")
@audited("export_audit_log")
def audit_log_csv():
    """The matching events as a CSV file (a FERPA record of disclosures), newest first."""
    db = get_session()
    _form, filters = _audit_filters(db)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    rows = list(audit.every(session=db, district_id=current_user.district_id,
                            filters=filters))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at_utc", "person", "action", "outcome", "target_type", "target_id",
                     "school", "address", "detail"])
    for e in rows:
        writer.writerow([safe_cell(v) for v in (
            e.at.isoformat(), e.staff_name or "", e.action, e.outcome, e.target_type or "",
            e.target_id or "", e.school_name or "", e.ip or "",
            json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else "")])
    audited.note(target_type="audit_log", target_id=current_user.district_id,
                 detail={"filters": args, "rows": len(rows)})
    response = current_app.response_class(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = \
        f"attachment; filename=audit-log-{date.today().isoformat()}.csv"
    return response


def _audit_filters(db):
    """The filter form as sent, and what it asks for (a student by SIS id)."""
    district_id = current_user.district_id
    form = AuditFilterForm(request.args)
    form.user.choices = [SelectChoice("", _("Everyone"))] + [
        SelectChoice(i, name) for i, name in audit.users(session=db, district_id=district_id)]
    form.action.choices = [SelectChoice("", _("Every action"))] + [
        SelectChoice(a, a) for a in audit.actions(session=db, district_id=district_id)]
    form.validate()
    student_id = None
    sis = (form.student.data or "").strip()
    if sis and not form.student.errors:
        student_id = db.exec(select(Student.id).join(School, School.id == Student.school_id)
                             .where(Student.sis_id == sis,
                                    School.district_id == district_id)).first()
        if student_id is None:
            form.student.errors = [_("No student with that SIS id in this district.")]
            student_id = -1  # matches nothing: an unknown student has no events
    filters = audit.Filters(
        staff_id=form.user.data or None, action=form.action.data or None,
        student_id=student_id,
        date_from=None if form.date_from.errors else form.date_from.data,
        date_to=None if form.date_to.errors else form.date_to.data)
    return form, filters


@bp.post("/settings/waves/<int:wave_id>/reopen")
@permission_required("settings.edit")
@audited.by_view({"POST": "wave_reopen"}, when="a window was opened again")
def reopen_wave(wave_id: int):
    """Open a closed survey window again (audited), until a new closing day or until closed."""
    db = get_session()
    wave = _own_wave(db, wave_id)
    form = ReopenForm(prefix=f"reopen{wave_id}")
    if not form.validate():
        flash(_("Please give the new closing day as a date, or leave it empty."), "error")
        return _back_to_waves()
    before = waves.wave_dict(wave)
    try:
        waves.reopen(session=db, wave=wave, closes_on=form.closes_on.data)
    except waves.WaveError as error:
        flash(_("This survey window was purged: its answers and codes are gone, so it cannot "
                "be opened again.") if error.reason == "purged"
              else _("The new closing day cannot be in the past."), "error")
        return _back_to_waves()
    return _wave_saved(db, wave, action="wave_reopen", before=before,
                       done=_("The survey window is open again."), always=True)
