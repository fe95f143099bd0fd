"""Forms of the counselor workspace (labels are lazy: resolved in the reader's language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from survey_app.models.enums import FollowUpStatus

STATUS_LABELS = {
    FollowUpStatus.OPEN: _l("Open"),
    FollowUpStatus.IN_PROGRESS: _l("In progress"),
    FollowUpStatus.DONE: _l("Done"),
    FollowUpStatus.CANCELLED: _l("Cancelled"),
}


class FollowUpForm(FlaskForm):
    """A new follow-up, from a flag or a family's request for help."""

    about = SelectField(_l("About"), validate_choice=False)
    owner_id = SelectField(_l("Who will do it"), coerce=int)
    due_on = DateField(_l("Due date"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=2000)],
                         description=_l("What will happen next, in a sentence or two."))


class FollowUpUpdateForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(k.value, v) for k, v in STATUS_LABELS.items()])
    outcome = TextAreaField(_l("What happened"), validators=[Optional(), Length(max=2000)])


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
