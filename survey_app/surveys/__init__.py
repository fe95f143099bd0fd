"""Survey definitions as versioned data, and the builder that turns a page into a form.

A definition change is a new version: add it to ``DEFINITIONS`` and point
``CURRENT`` at it. Responses keep the version they were started under.
"""

from survey_app.surveys.family import FAMILY_V1
from survey_app.surveys.model import Definition
from survey_app.surveys.student import STUDENT_V1

DEFINITIONS: dict[tuple[str, str], Definition] = {
    (d.survey, d.version): d for d in (STUDENT_V1, FAMILY_V1)
}
CURRENT: dict[str, Definition] = {"student": STUDENT_V1, "family": FAMILY_V1}


def current(survey: str) -> Definition:
    """The definition new responses to ``survey`` start under."""
    return CURRENT[survey]


def get(survey: str, version: str) -> Definition:
    """The definition a response was started under (KeyError if unknown)."""
    return DEFINITIONS[(survey, version)]


__all__ = ["CURRENT", "DEFINITIONS", "Definition", "current", "get"]
