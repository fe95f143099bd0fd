"""The input tables the library reads: their columns and dtypes, and record dataclasses
that build them (tests, examples).

:mod:`survey_app.reading.loader` is the one place that turns database rows
into these tables; everything in :mod:`relationships` reads only them.

Tables and columns (dtype in brackets; ``NA`` marks a nullable column):

students
    ``student_id`` [int64], ``school_id`` [int64], ``grade`` [Int64, 0 =
    kindergarten, NA when the roster does not say], ``household_id`` [Int64, NA], ``language`` [string],
    ``race_ethnicity`` [one of :data:`RACE_ETHNICITY` or NA], ``gender``
    [string, NA], ``english_learner``, ``econ_disadvantaged``, ``disability``
    [boolean, NA], ``responded_student``, ``responded_family`` [bool: a survey
    was sent back (submitted) in the current wave], ``previous_student``,
    ``previous_family`` [bool: sent back in the wave before], ``opted_out``
    [bool: the family opted the student out of the student survey (PPRA)].
    Optional: frames without the last three read as all False.

    One rule for surveys that were started and not sent (the same in every
    flag, count and export): a survey counts once it is sent. Ties and
    household answers of a source that did not send its survey that wave are
    not counted (the loaders leave them out, and :mod:`relationships.metrics`
    ignores any that come in anyway).
adults
    ``adult_id`` [int64], ``kind`` ["family" | "community" | "staff"],
    ``role`` [one of :data:`ROLES`], ``staff_id`` [Int64, NA unless staff],
    ``household_id`` [Int64, NA], ``name`` [string, display only],
    ``languages`` [object: tuple of language codes; staff only].
ties (student -> adult, named in a survey)
    ``tie_id`` [int64], ``student_id``, ``adult_id`` [int64], ``source``
    ["student_survey" | "family_survey"], ``wave`` [int64, 1, 2, ...], six
    support columns :data:`SUPPORT_TYPES` [bool], ``frequency`` [one of
    :data:`FREQUENCIES` or NA], ``reliability`` [Int64 1-4, NA], ``setting``
    [one of :data:`SETTINGS`], ``lives_with`` [boolean, NA].
staff_marks
    ``staff_id``, ``student_id``, ``wave`` [int64], ``trusting``,
    ``may_benefit``, ``willing_mentor`` [bool].
conditions (household conditions per student and wave)
    ``student_id``, ``wave`` [int64], ``internet`` [one of :data:`INTERNET` or
    NA], ``device_own``, ``device_shared``, ``device_phone``, ``device_none``
    [boolean, NA], ``quiet_place`` ["always" | "sometimes" | "no" | NA],
    ``adult_home`` ["yes" | "sometimes" | "no" | NA].
teaching
    ``staff_id``, ``student_id`` [int64]: teacher-student rosters.

Staff-mark ties are **derived here, from ``staff_marks``**, never passed in:
a ✓ (``trusting``) mark of staff member ``staff_id`` becomes a tie with
``source="staff_mark"`` to the adult whose ``staff_id`` matches (see
:func:`relationships.graph.staff_mark_ties`). A ``ties`` row with source
``staff_mark`` is therefore rejected by :func:`~relationships.validation.validate_tables`, so the same
mark can never be counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pandas as pd

__all__ = [
    "ADULT_KINDS",
    "COLUMNS",
    "FREQUENCIES",
    "INTERNET",
    "RACE_ETHNICITY",
    "ROLES",
    "SETTINGS",
    "SETTING_GROUPS",
    "SOURCES",
    "SUPPORT_TYPES",
    "AdultRecord",
    "ConditionRecord",
    "StaffMarkRecord",
    "StudentRecord",
    "Tables",
    "TeachingRecord",
    "TieRecord",
    "empty_frame",
    "to_frames",
]

SUPPORT_TYPES = ("emotional", "academic", "practical", "appraisal", "future", "emergency")
SOURCES = ("student_survey", "family_survey", "staff_mark")
SETTINGS = ("home", "family_elsewhere", "school", "community")
#: Setting groups used by ``narrow_web``: family, school, community.
SETTING_GROUPS = {"home": "family", "family_elsewhere": "family",
                  "school": "school", "community": "community"}
FREQUENCIES = ("daily", "weekly", "monthly", "less")
INTERNET = ("works_well", "unreliable", "phone_only", "none")
ADULT_KINDS = ("family", "community", "staff")
ROLES = (
    "parent_guardian", "grandparent", "aunt_uncle", "sibling_adult", "other_relative",
    "family_friend", "neighbour", "coach", "teacher", "counselor", "school_staff",
    "mentor", "faith_leader", "employer", "other",
)
RACE_ETHNICITY = (
    "hispanic_latino", "american_indian_alaska_native", "asian", "black_african_american",
    "native_hawaiian_pacific_islander", "white", "two_or_more",
)


def _cat(values):
    return pd.CategoricalDtype(list(values))


#: DataFrame column specs: table name -> {column: dtype}.
COLUMNS = {
    "students": {
        "student_id": "int64", "school_id": "int64", "grade": "Int64",
        "household_id": "Int64", "language": "string",
        "race_ethnicity": _cat(RACE_ETHNICITY), "gender": "string",
        "english_learner": "boolean", "econ_disadvantaged": "boolean",
        "disability": "boolean", "responded_student": "bool", "responded_family": "bool",
        "previous_student": "bool", "previous_family": "bool", "opted_out": "bool",
    },
    "adults": {
        "adult_id": "int64", "kind": _cat(ADULT_KINDS), "role": _cat(ROLES),
        "staff_id": "Int64", "household_id": "Int64", "name": "string", "languages": "object",
    },
    "ties": {
        "tie_id": "int64", "student_id": "int64", "adult_id": "int64",
        "source": _cat(SOURCES), "wave": "int64",
        **{t: "bool" for t in SUPPORT_TYPES},
        "frequency": _cat(FREQUENCIES), "reliability": "Int64",
        "setting": _cat(SETTINGS), "lives_with": "boolean",
    },
    "staff_marks": {
        "staff_id": "int64", "student_id": "int64", "wave": "int64",
        "trusting": "bool", "may_benefit": "bool", "willing_mentor": "bool",
    },
    "conditions": {
        "student_id": "int64", "wave": "int64", "internet": _cat(INTERNET),
        "device_own": "boolean", "device_shared": "boolean", "device_phone": "boolean",
        "device_none": "boolean", "quiet_place": _cat(("always", "sometimes", "no")),
        "adult_home": _cat(("yes", "sometimes", "no")),
    },
    "teaching": {"staff_id": "int64", "student_id": "int64"},
}


@dataclass(frozen=True, slots=True)
class StudentRecord:
    """One student (see the module docstring for the columns)."""

    student_id: int
    school_id: int
    grade: int
    household_id: int | None = None
    language: str | None = None
    race_ethnicity: str | None = None
    gender: str | None = None
    english_learner: bool | None = None
    econ_disadvantaged: bool | None = None
    disability: bool | None = None
    responded_student: bool = False
    responded_family: bool = False
    previous_student: bool = False
    previous_family: bool = False
    opted_out: bool = False


@dataclass(frozen=True, slots=True)
class AdultRecord:
    """One adult: family, community or staff."""

    adult_id: int
    kind: str
    role: str
    staff_id: int | None = None
    household_id: int | None = None
    name: str = ""
    languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TieRecord:
    """A student -> adult tie named in the student or the family survey."""

    tie_id: int
    student_id: int
    adult_id: int
    source: str
    wave: int
    emotional: bool = False
    academic: bool = False
    practical: bool = False
    appraisal: bool = False
    future: bool = False
    emergency: bool = False
    frequency: str | None = None
    reliability: int | None = None
    setting: str = "community"
    lives_with: bool | None = None


@dataclass(frozen=True, slots=True)
class StaffMarkRecord:
    """A staff member's marks (✓ trusting, ◐ may benefit, ★ willing mentor)."""

    staff_id: int
    student_id: int
    wave: int
    trusting: bool = False
    may_benefit: bool = False
    willing_mentor: bool = False


@dataclass(frozen=True, slots=True)
class ConditionRecord:
    """Household conditions of one student in one wave."""

    student_id: int
    wave: int
    internet: str | None = None
    device_own: bool | None = None
    device_shared: bool | None = None
    device_phone: bool | None = None
    device_none: bool | None = None
    quiet_place: str | None = None
    adult_home: str | None = None


@dataclass(frozen=True, slots=True)
class TeachingRecord:
    """One teacher-student roster line."""

    staff_id: int
    student_id: int


def empty_frame(table):
    """Return an empty DataFrame with the documented columns of ``table``.

    Examples
    --------
    >>> list(empty_frame("teaching").columns)
    ['staff_id', 'student_id']
    """
    spec = COLUMNS[table]
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in spec.items()})


def _frame(table, records):
    spec = COLUMNS[table]
    if not records:
        return empty_frame(table)
    rows = {c: [getattr(r, c) for r in records] for c in spec}
    if table == "adults":
        rows["languages"] = [tuple(v or ()) for v in rows["languages"]]
    data = {}
    for c, dtype in spec.items():
        values = [pd.NA if v is None else v for v in rows[c]]
        data[c] = pd.Series(values, dtype=dtype if dtype != "object" else object)
    return pd.DataFrame(data)


@dataclass(frozen=True)
class Tables:
    """The six input tables as DataFrames with the documented columns.

    Build it with :func:`to_frames` from records, or directly from frames
    (missing optional tables default to empty ones).
    """

    students: pd.DataFrame
    adults: pd.DataFrame
    ties: pd.DataFrame
    staff_marks: pd.DataFrame = field(default_factory=lambda: empty_frame("staff_marks"))
    conditions: pd.DataFrame = field(default_factory=lambda: empty_frame("conditions"))
    teaching: pd.DataFrame = field(default_factory=lambda: empty_frame("teaching"))

    def replace(self, **frames):
        """Return a copy with some tables replaced."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        return Tables(**{**current, **frames})


def to_frames(students=(), adults=(), ties=(), staff_marks=(), conditions=(), teaching=()):
    """Turn lists of records into :class:`Tables` of typed DataFrames.

    Examples
    --------
    >>> t = to_frames(
    ...     students=[StudentRecord(1, school_id=10, grade=4, responded_student=True)],
    ...     adults=[AdultRecord(7, kind="family", role="grandparent", name="Nana")],
    ...     ties=[TieRecord(1, 1, 7, "student_survey", 1, reliability=4, setting="home")],
    ... )
    >>> t.ties[["student_id", "adult_id", "reliability"]].to_dict("records")
    [{'student_id': 1, 'adult_id': 7, 'reliability': 4}]
    >>> str(t.ties["source"].dtype)
    'category'
    """
    return Tables(
        students=_frame("students", list(students)),
        adults=_frame("adults", list(adults)),
        ties=_frame("ties", list(ties)),
        staff_marks=_frame("staff_marks", list(staff_marks)),
        conditions=_frame("conditions", list(conditions)),
        teaching=_frame("teaching", list(teaching)),
    )


def _codes(values, categories):
    """Return integer codes of ``values`` in ``categories`` (-1 for unknown)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and list(values.cat.categories) == list(
        categories
    ):
        return values.cat.codes.to_numpy()
    return pd.Categorical(values, categories=list(categories)).codes
