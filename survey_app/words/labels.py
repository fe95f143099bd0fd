"""Display names of codes that are not flags: groups, roles, sources, sorts (lazy, translated)."""

from __future__ import annotations

import pandas as pd
from babel import Locale
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey_app.services.equity import CHRONIC_ABSENCE, LOW_COMPLETION

GROUP_NAMES = {
    "english_learner": _l("English learners"),
    "econ_disadvantaged": _l("Economically disadvantaged"),
    "disability": _l("Students with a disability (IEP/504)"),
}
RACE_NAMES = {
    "hispanic_latino": _l("Hispanic or Latino"),
    "american_indian_alaska_native": _l("American Indian or Alaska Native"),
    "asian": _l("Asian"),
    "black_african_american": _l("Black or African American"),
    "native_hawaiian_pacific_islander": _l("Native Hawaiian or Pacific Islander"),
    "white": _l("White"),
    "two_or_more": _l("Two or more races"),
}
SORT_NAMES = {
    "priority": _l("Most to do first"),
    "name": _l("Name"),
    "grade": _l("Grade"),
    "reliable": _l("Fewest adults first"),
}
HELP_FILTER = _l("Family asked for help")
#: The caseload's priority tiers (relationships.tiers), most urgent first.
TIER_NAMES = {
    "connect_now": _l("Connect now"),
    "strengthen": _l("Strengthen"),
    "watch": _l("Watch"),
    "no_data": _l("No data yet"),
}
TIER_HINTS = {
    "connect_now": _l("No adult they can count on, or no adult at school and just one adult, "
                      "fewer adults than before or a request for help."),
    "strengthen": _l("Some adults, but few, from one part of life, or not for every kind "
                     "of help."),
    "watch": _l("Worth a look: staff and student see it differently, or internet or a device "
                "at home."),
    "no_data": _l("No survey and no staff marks yet: not knowing is not the same as fine."),
}
ROLE_NAMES = {
    "parent_guardian": _l("Parent or guardian"), "grandparent": _l("Grandparent"),
    "aunt_uncle": _l("Aunt or uncle"), "sibling_adult": _l("Older brother or sister"),
    "other_relative": _l("Other relative"), "family_friend": _l("Family friend"),
    "neighbour": _l("Neighbour"), "coach": _l("Coach"), "teacher": _l("Teacher"),
    "counselor": _l("Counselor"), "school_staff": _l("Other school adult"),
    "mentor": _l("Mentor"), "faith_leader": _l("Faith leader"), "employer": _l("Boss at work"),
    "other": _l("Other"),
}
SOURCE_NAMES = {
    "student_survey": _l("The student said"),
    "family_survey": _l("The family said"),
    "staff_mark": _l("Staff marked"),
}
KIND_NAMES = {
    "student": _l("Student"), "family": _l("Family"), "community": _l("Community"),
    "staff": _l("School adult"),
}
EDGE_NAMES = {
    "reliable": _l("Sure they would help"),
    "unsure": _l("Not sure they would help"),
    "staff_only": _l("Only a staff mark"),
}
RELIABILITY_NAMES = {
    4: _l("Very sure"), 3: _l("Mostly sure"), 2: _l("A little sure"), 1: _l("Not sure"),
}
FREQUENCY_NAMES = {
    "daily": _l("Almost every day"), "weekly": _l("Every week"),
    "monthly": _l("Every month"), "less": _l("Less often"),
}
GRADE_NAMES = {0: _l("Kindergarten")}


def gap_points(gap: int) -> str:
    """A gap to the overall rate in percentage points, signed: "+1 point", "-13 points"."""
    return ngettext("%(gap)s point", "%(gap)s points", abs(gap), gap=f"{gap:+d}")


def grade_name(grade: int | None) -> str:
    """The one way a grade is shown (caseload, profile, mapping grid, response
    tracking, equity): "Kindergarten" for 0, else "Grade 5"; "—" when unknown."""
    if grade is None or grade != grade:  # None, or NaN from a frame
        return "—"
    if grade in GRADE_NAMES:
        return str(GRADE_NAMES[grade])
    return _("Grade %(grade)d", grade=grade)


def map_labels(student_names: dict | None = None) -> dict:
    """The translated labels ``relationships.maps`` takes (plain strings)."""
    return {
        "roles": {k: str(v) for k, v in ROLE_NAMES.items()},
        "sources": {k: str(v) for k, v in SOURCE_NAMES.items()},
        "kinds": {k: str(v) for k, v in KIND_NAMES.items()},
        "edges": {k: str(v) for k, v in EDGE_NAMES.items()},
        "students": dict(student_names or {}),
        "counts": {"format": _("%(staff)d at school, %(family)d in the family, "
                               "%(community)d in the community")},
        "group_alone": _("No adult at school"),
        "group_no_data": _("No data yet"),
        # TRANSLATORS: a group of the school map: students who did not name a school adult
        # themselves, but a staff member marked them ✓ or their family named one.
        "group_marked": _("With an adult at school, known from staff or family"),
        "group_staff": _("School staff"),
        "grades": {g: grade_name(g) for g in range(13)},
        # TRANSLATORS: a group of the school map; %(grade)s is e.g. "Grade 5".
        "grade_alone": _("%(grade)s: no adult at school"),
        "grade_no_data": _("%(grade)s: no data yet"),
        "grade_with": _("%(grade)s: with an adult at school"),
    }
SETTING_NAMES = {
    "home": _l("At home"), "family_elsewhere": _l("Family elsewhere"),
    "school": _l("At school"), "community": _l("In the community"),
}
ITEM_NAMES = {
    "home.internet": _l("Internet at home"),
    "home.devices": _l("Devices for schoolwork"),
    "home.quiet_place": _l("A quiet place to work"),
    "home.adult_after_school": _l("An adult at home after school"),
}
ANSWER_NAMES = {
    "works_well": _l("Works well"), "unreliable": _l("Often does not work"),
    "phone_only": _l("Only on a phone"), "none": _l("None"),
    "need_help": _l("Needs help getting internet"),
    "own_computer": _l("Own computer or tablet"), "shared_computer": _l("A shared computer"),
    "phone": _l("A phone"), "nothing": _l("Nothing"),
    "always": _l("Always"), "sometimes": _l("Sometimes"), "no": _l("No"), "yes": _l("Yes"),
    "prefer_not": _l("Prefers not to say"),
}
STATUS_NAMES = {
    "open": _l("Open"), "in_progress": _l("In progress"), "done": _l("Done"),
    "cancelled": _l("Cancelled"),
}
KIND_OF_FOLLOWUP = {
    "mentor": _l("Mentor"), "check_in": _l("Check-in"), "other": _l("Follow-up"),
    "flag": _l("Follow-up"), "help_request": _l("Family asked for help"),
    "referral": _l("Referral"),
}


def answer_name(code) -> str:
    return str(ANSWER_NAMES.get(code, code))


MEASURE_NAMES = {
    "no_school_adult": _l("Students with no adult at school they can count on"),
    "few_reliable": _l("Students with fewer than %(num)d adults beyond parents they can count on",
                       num=3),
    "access_barrier": _l("Students without working internet or a device at home"),
    "responded": _l("Students who answered the survey"),
    "two_way": _l("Students whose family had a two-way, positive contact with the school"),
    "chronic_absent": _l("Students who are chronically absent (attendance below %(num)d%%)",
                         num=round(CHRONIC_ABSENCE * 100)),
    "low_completion": _l("Students who complete fewer than %(num)d%% of their assignments",
                         num=round(LOW_COMPLETION * 100)),
    "attendance_avg": _l("Average attendance (latest term)"),
    "completion_avg": _l("Average assignment completion (latest term)"),
}


def measure_names(rules) -> dict:
    """:data:`MEASURE_NAMES` with the district's own thresholds in the words."""
    return {**MEASURE_NAMES, "few_reliable": _l(
        "Students with fewer than %(num)d adults beyond parents they can count on",
        num=rules.few_reliable_minimum)}


BY_NAMES = {
    "race_ethnicity": _l("Race and ethnicity"), "gender": _l("Gender"),
    "english_learner": _l("English learner"), "econ_disadvantaged": _l("Economically disadvantaged"),
    "disability": _l("Disability (IEP/504)"), "grade": _l("Grade"), "language": _l("Home language"),
}
GENDER_NAMES = {"f": _l("Female"), "female": _l("Female"), "m": _l("Male"), "male": _l("Male"),
                "x": _l("Non-binary"), "nonbinary": _l("Non-binary")}


def group_label(by: str, value) -> str:
    """A group's name in the reader's language (equity view and export)."""
    if value == "__none__":
        return _("Not recorded")
    if value == "__several__":  # a family whose children are in different groups
        return _("Children in more than one group")
    if value == "total":
        return _("All students")
    if by == "race_ethnicity":
        return str(RACE_NAMES.get(value, value))
    if by in ("english_learner", "econ_disadvantaged", "disability"):
        return _("Yes") if value is True or value == "True" else _("No")
    if by == "grade":
        return grade_name(int(value))
    if by == "gender":
        return str(GENDER_NAMES.get(str(value).lower(), value))
    if by == "language":
        try:
            return Locale.parse(str(value)).get_display_name(str(get_locale())) or str(value)
        except (ValueError, LookupError):
            return str(value)
    return str(value)


def shown_rate(row, min_n: int) -> str:
    """How a suppressed-table row's rate is shown: a percentage, or why it is hidden."""
    if row["suppressed"] == "small_n":
        return _("fewer than %(num)d", num=min_n)
    if row["rate_code"] == "le5":
        return _("%(num)d%% or less", num=5)
    if row["rate_code"] == "ge95":
        return _("%(num)d%% or more", num=95)
    if row["suppressed"] in ("complementary", "small_count") or pd.isna(row["rate"]):
        return _("hidden to protect a small group")
    return f"{round(float(row['rate']) * 100)}%"
