"""Display names of codes that are not flags: groups, roles, sources, sorts (lazy, translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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


def grade_name(grade: int) -> str:
    return str(GRADE_NAMES[grade]) if grade in GRADE_NAMES else str(grade)


def map_labels(student_names: dict | None = None) -> dict:
    """The translated labels ``relationships.maps`` takes (plain strings)."""
    return {
        "roles": {k: str(v) for k, v in ROLE_NAMES.items()},
        "sources": {k: str(v) for k, v in SOURCE_NAMES.items()},
        "kinds": {k: str(v) for k, v in KIND_NAMES.items()},
        "edges": {k: str(v) for k, v in EDGE_NAMES.items()},
        "students": dict(student_names or {}),
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
    "mentor": _l("Mentor"), "check_in": _l("Check-in with the mentor"), "other": _l("Follow-up"),
    "flag": _l("Follow-up"), "help_request": _l("Family asked for help"),
}


def answer_name(code) -> str:
    return str(ANSWER_NAMES.get(code, code))
