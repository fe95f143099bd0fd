from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[InputRequired(message=_l("Please type your email.")), Length(max=320)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Please type your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordChangeForm(FlaskForm):
    """Change one's own password: the current one first (NIST SP 800-63B 5.1.1.2)."""

    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Please type your current password.")),
                    Length(max=200)],
        render_kw={"autocomplete": "current-password"})
    new = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Please type a new password."))],
        render_kw={"autocomplete": "new-password", "minlength": 12})
    again = PasswordField(
        _l("New password again"),
        validators=[InputRequired(message=_l("Please type a new password."))],
        render_kw={"autocomplete": "new-password"})


class EngagementForm(FlaskForm):
    """One contact with a family (Flamboyan-style engagement measures)."""

    contacted_on = DateField(
        _l("Date of the contact"),
        validators=[InputRequired(message=_l("Please give the date of the contact."))],
    )
    channel = SelectField(_l("How you were in touch"), choices=[SelectChoice(v, label) for v, label in (
        ("call", _l("Phone call")), ("text", _l("Text message")), ("email", _l("Email")),
        ("home_visit", _l("Home visit")), ("conference", _l("Conference")),
        ("event", _l("School event")), ("other", _l("Other")),
    )])
    started_by = RadioField(
        _l("Who reached out first?"),
        choices=[SelectChoice("school", _l("The school")), SelectChoice("family", _l("The family"))],
        validators=[InputRequired(message=_l("Please say who reached out first."))],
    )
    positive = BooleanField(_l("Good news was shared"))
    concern = BooleanField(_l("A concern was raised"))
    two_way = BooleanField(
        _l("Two-way: the family spoke and was listened to"),
        description=_l("Not only a message sent: you talked with each other."),
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=2000, message=_l("Please keep the note under 2,000 characters."))],
        description=_l("Only what helps the next person who talks with this family."),
    )
    district_wide = BooleanField(
        _l("Share the note with staff of every school"),
        description=_l("Otherwise only staff of this school see it."))

    def validate_contacted_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("The date cannot be in the future."))


class TrustForm(FlaskForm):
    """"Do I have a trusting relationship with this family?" — one answer per family."""

    trust = SelectField(
        _l("Do I have a trusting relationship with this family?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("not_yet", _l("Not yet")),
                 SelectChoice("dont_know", _l("I don't know"))],
        validators=[InputRequired(message=_l("Choose one of the answers."))])


class HonorificForm(FlaskForm):
    """How students address me ("Ms. Brown"): a title from the list, or none. The choices
    are set per request (each shown with the person's own surname)."""

    honorific = SelectField(
        _l("How students address you"),
        description=_l("Students see this in the survey's list of school adults, beside your "
                       "job and grade."),
        validate_choice=False)
