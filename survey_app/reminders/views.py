"""Survey reminders: the staff page that counts and starts a round, and the families' stop page.

The staff page (admins and counselors, for their own schools) shows how many would be
written to before anything is sent; sending hands the round to a job. The stop page is
public: its link in every reminder is signed, and stopping is recorded forever.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from wtforms import SelectChoice

from survey_app.audited import audited
from survey_app.auth import permission_required, public, visible_school_ids
from survey_app.db import get_session
from survey_app.extensions import csrf
from survey_app.i18n import native_name, offered_languages
from survey_app.jobs import handover
from survey_app.models import School, SurveyWave
from survey_app.reminders.forms import ReminderForm, StopForm
from survey_app.services import reminder_audience, reminder_mail, reminders, waves
from survey_app.services.senders import SmtpSettings

bp = Blueprint("reminders", __name__, url_prefix="/reminders")


def _form(db, formdata, **kwargs) -> tuple[ReminderForm, list[SurveyWave], dict[int, str]]:
    """The form with the reader's waves, schools and the offered languages as choices."""
    all_waves = waves.list_waves(session=db, district_id=current_user.district_id)
    schools = dict(db.exec(select(School.id, School.name).where(
        School.id.in_(sorted(visible_school_ids()))).order_by(School.name)).all())
    current = waves.current_wave(session=db, district_id=current_user.district_id)
    raw_school = (formdata or {}).get("school") or ""
    if raw_school.isascii() and raw_school.isdigit() and int(raw_school) not in schools:
        abort(404)  # another school's families: as if it did not exist
    form = ReminderForm(formdata=formdata, **kwargs)
    form.wave.choices = [SelectChoice(w.id, w.name) for w in all_waves]
    if all_waves and not form.wave.raw_data:
        form.wave.data = (current or all_waves[-1]).id
    form.school.choices = [SelectChoice("", _("All my schools"))] + [
        SelectChoice(i, n) for i, n in schools.items()]
    form.grade.choices = [SelectChoice("", _("All grades"))] + [
        SelectChoice(g, str(g) if g else "K") for g in range(13)]
    form.language.choices = [SelectChoice("", _("All languages"))] + [
        SelectChoice(c, native_name(c)) for c in offered_languages()]
    return form, all_waves, schools


def _filters(form: ReminderForm) -> reminder_audience.Filters:
    scope = tuple(sorted(visible_school_ids()))
    if form.school.data is not None:
        if form.school.data not in scope:
            abort(404)  # another school's families: as if it did not exist
        scope = (form.school.data,)
    return reminder_audience.Filters(
        wave_id=form.wave.data, school_ids=scope, grade=form.grade.data,
        language=form.language.data or None, group=form.group.data or None,
        audience=form.audience.data or "both")


@bp.get("/")
@permission_required("reminders.send")
@audited.nothing("counts of who would be reminded, for the reader's own schools; no names")
def start():
    """Show the filters and how many a reminder would reach now."""
    db = get_session()
    form, all_waves, _schools = _form(db, request.args if request.args else None,
                                      meta={"csrf": False})
    preview = None
    if all_waves and (not request.args or form.validate()):
        filters = _filters(form)
        limits = reminder_audience.Limits.of_district(db, current_user.district_id)
        preview = reminder_audience.plan(session=db, filters=filters, limits=limits)
        preview = {"plan": preview, "limits": limits, "params": _params(filters)}
    return render_template("reminders/start.html", form=form, waves=all_waves,
                           preview=preview, ready=_mail_ready())


def _params(filters: reminder_audience.Filters) -> dict:
    return {"wave_id": filters.wave_id, "school_ids": list(filters.school_ids),
            "grade": filters.grade, "language": filters.language, "group": filters.group,
            "audience": filters.audience, "channel": "email"}


def _mail_ready() -> bool:
    return SmtpSettings.from_config(current_app.config) is not None


@bp.post("/")
@permission_required("reminders.send")
@audited.by_view({"POST": "job_started"}, when="a round of reminders was handed to a job "
                 "(runs.create; the job records reminders_sent with the counts)")
def send():
    """Hand a round of reminders to a job and show its progress."""
    db = get_session()
    form, _waves, _schools = _form(db, request.form)
    if not form.validate() or not _mail_ready():
        return render_template("reminders/start.html", form=form, waves=_waves, preview=None,
                               ready=_mail_ready()), handover.refused_status()
    return handover.start("reminders", params=_params(_filters(form)))


@bp.route("/stop/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # RFC 8058 one-click: the mail program posts without our form's token
def stop(token: str):
    """Ask, then record, that this address and household want no more reminders."""
    data = reminder_mail.read_opt_out_token(secret=current_app.config["SECRET_KEY"],
                                            token=token)
    if data is None:
        return render_template("reminders/stop.html", state="invalid"), 404
    db = get_session()
    if request.method == "POST":
        reminders.opt_out(session=db, key=data["k"], household_id=data["h"],
                          language=data["l"])
        try:
            db.commit()
        except IntegrityError:  # the same link used twice at once: recorded either way
            db.rollback()
        return render_template("reminders/stop.html", state="done")
    if reminders.is_opted_out(session=db, key=data["k"]):
        return render_template("reminders/stop.html", state="done")
    return render_template("reminders/stop.html", state="ask", form=StopForm())
