"""District settings, survey windows and the audit-log filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from relationships.rules import CODES
from relationships.tiers import RANKED, TIER_CODES
from survey_app.inputs import id_number
from survey_app.words.labels import TIER_NAMES

#: code -> (name, what it means, the form fields of its thresholds). Sources and whether a
#: rule rests on published criteria come from relationships.rules.RULE_SOURCES.
RULES = {
    "no_school_adult": (_l("No school adult"), _l(
        "No reliable tie to anyone at school, by the student's answers or by staff marks."), []),
    "no_reliable_adult": (_l("No reliable adult"), _l("No adult the student can count on."), []),
    "few_reliable_adults": (_l("Few reliable adults"), _l(
        "Fewer reliable adults outside the parents than this number."),
        ["few_reliable_minimum"]),
    "single_anchor": (_l("Only one adult"), _l(
        "Exactly one reliable adult: all support runs through one person."), []),
    "narrow_web": (_l("Narrow web"), _l(
        "Reliable adults from fewer than this many of: family, school, community."),
        ["narrow_web_minimum"]),
    "support_gap": (_l("Support gap"), _l(
        "No reliable adult for one of these kinds of help."), ["support_gap_types"]),
    "no_future_guide": (_l("No one for the future"), _l(
        "No adult to talk with about college, jobs or the future, in these grades."),
        ["future_low", "future_high"]),
    "perception_gap": (_l("Views differ"), _l(
        "A staff member marked the student who does not name them, or the other way round."),
        []),
    "access_barrier": (_l("Access barrier"), _l(
        "No working internet at home, or no device for schoolwork."),
        ["barrier_internet", "phone_is_device"]),
    "lost_adults": (_l("Lost adults"), _l(
        "Fewer reliable adults than in the previous survey, by at least this many."),
        ["lost_adults_drop"]),
    "no_data": (_l("No data"), _l(
        "No survey and no staff marks: not knowing is not the same as fine."), []),
    "anchor_load": (_l("Staff carrying many students"), _l(
        "A staff member is the only school adult of at least this many students."),
        ["anchor_load_minimum"]),
    "five_adults": (_l("Fewer than five caring adults"), _l(
        "A growth target shown as advice; off by default."), ["five_adults_minimum"]),
}

SUPPORT_CHOICES = [SelectChoice(v, label) for v, label in (
    ("emotional", _l("Talking when something is wrong")),
    ("academic", _l("Homework and school")),
    ("practical", _l("Rides, meals and other practical help")),
    ("appraisal", _l("Encouragement")),
    ("future", _l("College, jobs and the future")),
    ("emergency", _l("An emergency")),
)]
INTERNET_CHOICES = [SelectChoice(v, label) for v, label in (
    ("unreliable", _l("Internet that often does not work")),
    ("phone_only", _l("Internet only on a phone")),
    ("none", _l("No internet")),
)]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _number(label, low, high, **kwargs):
    message = _l("Please give a whole number from %(min)s to %(max)s.")
    return IntegerField(label, validators=[
        InputRequired(message=_l("Please give a whole number.")),
        NumberRange(min=low, max=high, message=message)], **kwargs)


class SettingsForm(FlaskForm):
    """Every FlagRules threshold, the smallest group shown, and the languages offered."""

    min_reliability = SelectField(_l("A tie counts as reliable from"), coerce=int, choices=[
        SelectChoice(4, _l("4: very sure only")), SelectChoice(3, _l("3: mostly sure or very sure")),
        SelectChoice(2, _l("2: a little sure or more")), SelectChoice(1, _l("1: any answer")),
    ])
    few_reliable_minimum = _number(_l("Fewer than this many adults"), 1, 10)
    narrow_web_minimum = _number(_l("Fewer than this many places"), 1, 3)
    support_gap_types = MultiCheckboxField(_l("Kinds of help that each need an adult"),
                                           choices=SUPPORT_CHOICES)
    future_low = _number(_l("From grade"), 0, 12)
    future_high = _number(_l("To grade"), 0, 12)
    barrier_internet = MultiCheckboxField(_l("Home internet that counts as a barrier"),
                                          choices=INTERNET_CHOICES)
    phone_is_device = BooleanField(_l("A phone alone counts as a device for schoolwork"))
    lost_adults_drop = _number(_l("Drop of at least"), 1, 10)
    anchor_load_minimum = _number(_l("At least this many students"), 1, 500)
    five_adults_minimum = _number(_l("Growth target (adults)"), 1, 20)
    min_n = _number(_l("Smallest group shown"), 5, 100, description=_l(
        "Groups with fewer people are hidden in every breakdown, so no one can be singled "
        "out. Most US states use 10."))
    reminder_cap = _number(_l("Reminders per survey in a window, at most"), 0, 10)
    reminder_gap_hours = _number(_l("Hours between two reminders, at least"), 1, 720)
    remind_young_students = BooleanField(_l(
        "Email students under 13 themselves (otherwise their family gets the reminder)"))
    languages = MultiCheckboxField(_l("Languages offered to students and families"),
                                   description=_l(
        "Only languages whose translation is complete can be offered. "
        "None ticked means every complete language."))

    def validate_future_high(self, field):
        if self.future_low.data is not None and field.data is not None \
                and field.data < self.future_low.data:
            raise ValidationError(_l("The last grade must not be before the first grade."))

    def validate_support_gap_types(self, field):
        if self.on_support_gap.data and not field.data:
            raise ValidationError(_l("Please tick at least one kind of help, or turn the rule off."))

    def validate_barrier_internet(self, field):
        if self.on_access_barrier.data and not field.data:
            raise ValidationError(_l("Please tick at least one answer, or turn the rule off."))


for _code in CODES:
    setattr(SettingsForm, f"on_{_code}", BooleanField(_l("Use this rule")))

TIER_CHOICES = [SelectChoice(t, TIER_NAMES[t]) for t in RANKED]
for _code in TIER_CODES:
    setattr(SettingsForm, f"tier_{_code}", SelectField(_l("Priority"), choices=TIER_CHOICES))
SettingsForm.escalate = MultiCheckboxField(
    _l("Connect now when the student also has no adult at school"),
    choices=[SelectChoice(c, c) for c in TIER_CODES])  # labels set by the view


class WaveForm(FlaskForm):
    """A survey window. Several are on one page (with prefixes): the app-wide CSRFProtect
    checks the page's one token, so the form carries none of its own."""

    class Meta:
        csrf = False

    name = StringField(_l("Name"), validators=[
        InputRequired(message=_l("Please give the survey window a name.")),
        Length(max=100, message=_l("Please keep the name under 100 characters."))],
        description=_l("For example: Fall 2026"))
    opens_on = DateField(_l("Opens on"), validators=[Optional()])
    closes_on = DateField(_l("Closes on"), validators=[Optional()])

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The closing date must not be before the opening date."))


class ReopenForm(FlaskForm):
    """Reopen a closed survey window: an optional new closing day (the page's CSRF token)."""

    class Meta:
        csrf = False

    closes_on = DateField(_l("New closing day"), validators=[Optional()])


class AuditFilterForm(FlaskForm):
    """The audit-log filter (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    user = SelectField(_l("Person"), coerce=lambda v: id_number(str(v)) if v else None,
                       validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    student = StringField(_l("Student (SIS id)"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


class StaffSearchForm(FlaskForm):
    """Find staff by name on the staff titles page (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Find staff by name"), validators=[Optional(), Length(max=100)])


class StaffHonorificForm(FlaskForm):
    """One staff member's title (choices per row: each with that person's surname). Many
    are on one page (with prefixes): the app-wide CSRFProtect checks the page's token."""

    class Meta:
        csrf = False

    honorific = SelectField(_l("How students address this person"), validate_choice=False)
