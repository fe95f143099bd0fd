"""Forms of the counselor workspace (labels are lazy: resolved in the reader's language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from survey_app.models.enums import CheckInFrequency, FollowUpStatus

STATUS_LABELS = {
    FollowUpStatus.OPEN: _l("Open"),
    FollowUpStatus.IN_PROGRESS: _l("In progress"),
    FollowUpStatus.DONE: _l("Done"),
    FollowUpStatus.CANCELLED: _l("Cancelled"),
}


FREQUENCY_LABELS = {
    "": _l("Once"),
    CheckInFrequency.WEEKLY: _l("Every week"),
    CheckInFrequency.TWO_WEEKS: _l("Every two weeks"),
    CheckInFrequency.MONTHLY: _l("Every month"),
}


class FollowUpForm(FlaskForm):
    """A new plan: its type (from a flag, a family's request for help, or a kind), owner
    (any staff member), goal, check-in frequency, first date and a note."""

    about = SelectField(_l("Type"), validate_choice=False)
    owner_id = SelectField(_l("Who will do it"), coerce=int,
                           description=_l("Anyone on the staff, teachers included: they see "
                                          "it on their \"my students\" page."))
    goal = StringField(_l("Goal"), validators=[Optional(), Length(max=1000)],
                       description=_l("What should be true when this is done."))
    frequency = SelectField(_l("Check in"), default="", choices=[
        SelectChoice(k, v) for k, v in FREQUENCY_LABELS.items()])
    due_on = DateField(_l("First date"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=2000)],
                         description=_l("What will happen next, in a sentence or two."))


class FollowUpUpdateForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(k.value, v) for k, v in STATUS_LABELS.items()])
    progress = TextAreaField(_l("Progress note"), validators=[Optional(), Length(max=2000)],
                             description=_l("A check-in noted here books the next one."))
    outcome = TextAreaField(_l("Outcome"), validators=[Optional(), Length(max=2000)])


class MentorForm(FlaskForm):
    """One button per suggestion; the app-wide CSRF check guards the post."""

    class Meta:
        csrf = False

    staff_id = HiddenField(validators=[DataRequired()])


class DecisionForm(FlaskForm):
    """Accept or reject a proposed "same person" match (the app-wide CSRF check guards it)."""

    class Meta:
        csrf = False

    decision = HiddenField(validators=[DataRequired()])
