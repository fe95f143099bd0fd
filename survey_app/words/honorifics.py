"""How children address a staff member: "Ms. Brown", "Sra. Brown", "Brown 老师", and the job
the survey's staff picker shows beside it ("Teacher", "Maestra", "老师").

The title is stored as a code (``models.enums.Honorific``), never as typed, and put into
words here in the reader's language: a Spanish-speaking family sees "Sra. Brown" for the
teacher an English speaker sees as "Ms. Brown". Each is one whole phrase with the
surname in it, so a language may put the title after the name or leave it out.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey_app.models.enums import Honorific

# Translators: how a child addresses a school adult, with the adult's surname. Use the
# title children use at school in your language; you may move the surname.
HONORIFIC_PHRASES = {
    Honorific.MS: _l("Ms. %(surname)s"),
    Honorific.MRS: _l("Mrs. %(surname)s"),
    Honorific.MISS: _l("Miss %(surname)s"),
    Honorific.MR: _l("Mr. %(surname)s"),
    Honorific.MX: _l("Mx. %(surname)s"),
    Honorific.DR: _l("Dr. %(surname)s"),
    Honorific.COACH: _l("Coach %(surname)s"),
}


#: The staff roles of OneRoster (1.1 and 1.2, ``roles.csv``/``users.csv`` ``role``; the
#: import keeps the role as the staff member's job title) as the picker shows them. Any
#: other job title (typed in a roster's extra file, "Math Teacher", "Coach") shows as it is.
JOB_TITLES = {
    "teacher": _l("Teacher"),
    "aide": _l("Teaching assistant"),
    "counselor": _l("Counselor"),
    "principal": _l("Principal"),
    "administrator": _l("School administrator"),
    "siteadministrator": _l("School administrator"),
    "districtadministrator": _l("District administrator"),
    "systemadministrator": _l("Computer systems administrator"),
    "proctor": _l("Test supervisor"),
}


def job_title(title: str | None) -> str | None:
    """A staff member's job title in the reader's language when it is one of OneRoster's
    roles (in any letter case: "teacher", "Teacher"), else as the roster wrote it."""
    if not title:
        return title
    found = JOB_TITLES.get(title.strip().lower())
    return str(found) if found is not None else title


def addressed(honorific: str | None, surname: str | None) -> str | None:
    """"Ms. Brown" in the reader's language, or None without a known title or surname."""
    phrase = HONORIFIC_PHRASES.get(honorific or "")
    if phrase is None or not (surname or "").strip():
        return None
    return str(phrase) % {"surname": surname.strip()}


def honorific_choices(surname: str | None) -> list[tuple[str, str]]:
    """The choice list of an account form: each title shown with the person's own
    surname, as the children will see it; "" is no title (the full name is shown)."""
    name = (surname or "").strip() or "…"
    return [("", _("No title (show the full name)"))] + [
        (code.value, str(phrase) % {"surname": name})
        for code, phrase in HONORIFIC_PHRASES.items()]


def staff_name(user) -> str:
    """A staff member as the survey's list shows them: "Ms. Brown", else "Anna Brown"."""
    return addressed(user.honorific, user.family_name) or user.display_name
