"""The reminder page's filters (sent by GET to count, by POST to send) and the stop button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.validators import Optional

from survey_app.inputs import id_number

GROUP_NAMES = {"": _l("All students"), "english_learner": _l("English learner"),
               "econ_disadvantaged": _l("Economically disadvantaged"),
               "disability": _l("Disability (IEP or 504 plan)")}
AUDIENCE_NAMES = {"both": _l("Families and students"), "family": _l("Family survey"),
                  "student": _l("Student survey")}


def _grade(value):
    if value in (None, "") or isinstance(value, int):
        return value or (0 if value == 0 else None)
    number = int(value)
    if not 0 <= number <= 12:
        raise ValueError(value)
    return number


def _school(value):
    if value in (None, "") or isinstance(value, int):
        return value or None
    return id_number(value)


class ReminderForm(FlaskForm):
    """Which invitations to remind; choices are filled by the view (waves, schools, languages).

    A field left out takes its default (the current window, every school, grade, language
    and group, both surveys); a value that is not one of the choices is refused."""

    wave = SelectField(_l("Survey window"), coerce=int, validators=[Optional()])
    school = SelectField(_l("School"), coerce=_school, validators=[Optional()])
    grade = SelectField(_l("Grade"), coerce=_grade, validators=[Optional()])
    language = SelectField(_l("Language"), default="", validators=[Optional()])
    group = SelectField(_l("Group"), choices=[SelectChoice(k, v) for k, v in GROUP_NAMES.items()],
                        default="", validators=[Optional()])
    audience = SelectField(_l("Survey"),
                           choices=[SelectChoice(k, v) for k, v in AUDIENCE_NAMES.items()],
                           default="both", validators=[Optional()])


class StopForm(FlaskForm):
    """The stop page's one button (a mail program's one-click POST sends no token)."""

    class Meta:
        csrf = False

    confirm = HiddenField(default="1")
