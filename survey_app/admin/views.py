"""District administration and oversight: response rates, settings, the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select
from wtforms import SelectChoice

from relationships.rules import CODES, RULE_SOURCES, FlagRules
from survey_app.admin.forms import RULES, AuditFilterForm, SettingsForm, WaveForm
from survey_app.auth import ANALYST, permission_required, visible_school_ids
from survey_app.db import get_session
from survey_app.i18n import complete_languages_here, native_name
from survey_app.models import School, SurveyWave
from survey_app.services import audit, response_rates, waves
from survey_app.services import settings as settings_service
from survey_app.words.labels import GENDER_NAMES, RACE_NAMES

bp = Blueprint("admin", __name__, url_prefix="/admin")


# --- response tracking ------------------------------------------------------------------

@bp.get("/responses", endpoint="responses")
@permission_required("responses.track")
def responses_page():
    """Response rates by school, grade, language and group; who has not answered (not analysts)."""
    db = get_session()
    district_id = current_user.district_id
    all_waves = waves.list_waves(session=db, district_id=district_id)
    wave = _chosen_wave(all_waves, request.args.get("wave", type=int)) or waves.current_wave(
        session=db, district_id=district_id)
    if wave is None:
        return render_template("admin/responses.html", wave=None, waves=all_waves)
    school_ids = sorted(visible_school_ids())
    min_n = settings_service.get_settings(session=db, district_id=district_id).min_n
    analyst = current_user.role == ANALYST
    report = response_rates.report(session=db, wave_id=wave.id, school_ids=school_ids,
                              min_n=min_n, suppress_all=analyst)
    schools = dict(db.exec(_school_names(school_ids)).all())
    missing = None
    if current_user.can("students.identify"):
        missing = _nonrespondents(db, wave, school_ids)
    db.commit()  # the audit event of the list of names, if any
    return render_template("admin/responses.html", wave=wave, waves=all_waves, report=report,
                           schools=schools, min_n=min_n, missing=missing,
                           language_name=native_name,
                           value_names={**RACE_NAMES, **GENDER_NAMES})


def _chosen_wave(all_waves: list[SurveyWave], wave_id: int | None) -> SurveyWave | None:
    if wave_id is None:
        return None
    return next((w for w in all_waves if w.id == wave_id), None) or abort(404)


def _school_names(school_ids):
    return select(School.id, School.name).where(School.id.in_(school_ids))


def _nonrespondents(db, wave: SurveyWave, school_ids: list[int]) -> dict:
    school_id = request.args.get("school", type=int)
    if school_id is not None and school_id not in school_ids:
        abort(404)
    grade = request.args.get("grade", type=int)
    page = max(request.args.get("page", 1, type=int), 1)
    per_page = 100
    rows, total = response_rates.nonrespondents(
        session=db, wave_id=wave.id, school_ids=[school_id] if school_id else school_ids,
        grade=grade, limit=per_page, offset=(page - 1) * per_page)
    audit.record(session=db, staff_id=current_user.id, action="view_nonrespondents",
                 target_type="wave", target_id=wave.id, school_id=school_id,
                 detail={"grade": grade, "page": page, "shown": len(rows)}, ip=request.remote_addr)
    args = {k: v for k, v in {"wave": wave.id, "school": school_id, "grade": grade}.items()
            if v is not None}
    return {"rows": rows, "total": total, "page": page, "args": args,
            "pages": max(1, -(-total // per_page)), "school": school_id, "grade": grade}


# --- settings ---------------------------------------------------------------------------

def _settings_form(stored, formdata=None) -> SettingsForm:
    rules = settings_service.flag_rules(stored)
    data = {**rules.to_dict(), "min_n": stored.min_n, "languages": stored.languages or [],
            "future_low": rules.future_grades[0], "future_high": rules.future_grades[1]}
    data.update({f"on_{code}": code in rules.enabled for code in CODES})
    form = SettingsForm(formdata=formdata, data=data)
    form.languages.choices = [SelectChoice(c, native_name(c)) for c in complete_languages_here()]
    return form


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
        wave_form=wave_form or WaveForm(formdata=None),
        wave_forms=wave_forms,
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
def settings():
    """Flag thresholds with defaults and sources, min n, languages; waves below."""
    db = get_session()
    stored = settings_service.get_settings(session=db, district_id=current_user.district_id,
                                           create=request.method == "POST")
    form = _settings_form(stored, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        try:
            rules = _rules_from(form)
        except ValueError:
            form.form_errors.append(_("These settings do not fit together. Please check them."))
            return _render_settings(form, status=400)
        changed = settings_service.update_settings(
            session=db, settings=stored, staff_id=current_user.id, rules=rules,
            min_n=form.min_n.data, languages=form.languages.data or [], ip=request.remote_addr)
        db.commit()
        flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("admin.settings"))
    return _render_settings(form, status=400 if request.method == "POST" else 200)


@bp.post("/settings/waves")
@permission_required("settings.edit")
def add_wave():
    """Add a survey window."""
    form = WaveForm()
    if not form.validate():
        return _render_settings(_settings_form(_stored()), wave_form=form, status=400)
    db = get_session()
    wave = waves.add_wave(session=db, district_id=current_user.district_id,
                          name=form.name.data, opens_on=form.opens_on.data,
                          closes_on=form.closes_on.data)
    audit.record(session=db, staff_id=current_user.id, action="wave_add", target_type="wave",
                 target_id=wave.id, detail={"before": None, "after": waves.wave_dict(wave)},
                 ip=request.remote_addr)
    db.commit()
    flash(_("Survey window added."), "success")
    return redirect(url_for("admin.settings", _anchor="waves"))


@bp.post("/settings/waves/<int:wave_id>")
@permission_required("settings.edit")
def edit_wave(wave_id: int):
    """Rename a survey window or change its dates."""
    db = get_session()
    wave = db.get(SurveyWave, wave_id)
    if wave is None or wave.district_id != current_user.district_id:
        abort(404)
    form = WaveForm(prefix=f"wave{wave_id}")
    if not form.validate():
        return _render_settings(_settings_form(_stored()), edited=(wave_id, form), status=400)
    before = waves.wave_dict(wave)
    wave.name, wave.opens_on, wave.closes_on = (form.name.data.strip(), form.opens_on.data,
                                                form.closes_on.data)
    db.add(wave)
    db.flush()
    after = waves.wave_dict(wave)
    if after != before:
        audit.record(session=db, staff_id=current_user.id, action="wave_change",
                     target_type="wave", target_id=wave.id,
                     detail={"before": before, "after": after}, ip=request.remote_addr)
    db.commit()
    flash(_("Survey window saved.") if after != before else _("Nothing changed."), "success")
    return redirect(url_for("admin.settings", _anchor="waves"))


def _stored():
    return settings_service.get_settings(session=get_session(),
                                         district_id=current_user.district_id)


# --- audit log --------------------------------------------------------------------------

@bp.get("/audit")
@permission_required("audit.read")
def audit_log():
    """Who viewed, exported or changed what, and when; filtered and paged."""
    db = get_session()
    district_id = current_user.district_id
    form = AuditFilterForm(request.args)
    form.user.choices = [SelectChoice("", _("Everyone"))] + [
        SelectChoice(i, name) for i, name in audit.users(session=db, district_id=district_id)]
    form.action.choices = [SelectChoice("", _("Every action"))] + [
        SelectChoice(a, a) for a in audit.actions(session=db, district_id=district_id)]
    form.validate()
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = audit.search(
        session=db, district_id=district_id, staff_id=form.user.data or None,
        action=form.action.data or None,
        date_from=None if form.date_from.errors else form.date_from.data,
        date_to=None if form.date_to.errors else form.date_to.data, page=page)
    pages = max(1, -(-total // audit.PAGE_SIZE))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit_log.html", form=form, rows=rows, total=total,
                           page=page, pages=pages, args=args)
