"""The tables the flags read, loaded narrow: a whole school at a time, for exports.

:func:`survey_app.services.records.load_school_tables` loads everything the
counselor pages show (maps, mentors, teaching rosters). A district export only
needs the flags, the strengths and the names its sentences mention, so
:func:`load_school` gives the same flags from less:

- ties carry their (canonical) adult's kind, role, staff id and name, so the
  adults come from the ties query instead of a second pass over every tie;
- ``teaching`` stays empty (no flag reads it); only which other schools' staff
  teach the students is asked, as :mod:`records` asks it;
- ties' ``frequency`` and ``lives_with`` (read by no flag) are left empty, and
  household conditions are those of the current wave only (the only ones read);
- columns are built straight in their documented dtypes from the driver's rows
  (no per-cell type inference, no second cast).

Same rules as :mod:`records` (merged adults, staff stand-ins, conditions); the
flagged export's test compares its rows with the caseload's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Integer, case, cast, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from relationships import Tables
from relationships.records import COLUMNS, SUPPORT_TYPES, empty_frame
from survey_app.models import (
    Adult,
    HouseholdCondition,
    Invitation,
    SectionStudent,
    SectionTeacher,
    StaffMark,
    StaffUser,
    Student,
    SupportTie,
    SurveyWave,
)
from survey_app.models.enums import InvitationStatus, SurveyKind
from survey_app.services import adult_ties, conditions, records
from survey_app.services.frames import typed

__all__ = ["fetch_rows", "load_school"]

_CODED_CONDITIONS = ("internet", "quiet_place", "adult_home")
_TIE_COLUMNS = ("tie_id", "student_id", "adult_id", "source", "wave", *SUPPORT_TYPES,
                "reliability", "setting")
_ADULT_COLUMNS = ("kind", "role", "staff_id", "name")  # household_id: no flag reads it


def load_school(*, session: Session, ctx: records.Context, school_id: int,
                waves) -> tuple[Tables, dict]:
    """Tables for the flags of every active student of ``school_id``, and adult names.

    Returns ``(tables, names)``: ``names`` maps every adult id in ``tables`` to
    the name a sentence shows.
    """
    where = records._student_filter([school_id], None)
    students = _students(session, where, ctx)
    if students.empty:
        return Tables(empty_frame("students"), empty_frame("adults"), empty_frame("ties")), {}
    waves = _wave_ordinals(session, ctx, waves)
    ties, named = _ties_and_adults(session, where, waves)
    marks = _marks(session, where, waves)
    schools = students["school_id"].unique().tolist()
    extra = set(marks["staff_id"].tolist()) | _teaching_staff(session, where, schools)
    staff = adult_ties.staff_adults(session, schools, extra)
    extra -= set(staff["staff_id"].tolist())
    if extra:
        staff = adult_ties.staff_adults(session, schools, extra)
    adults, ties = adult_ties.combine_adults(named, staff, ties)
    adults = typed("adults", adults)
    names = dict(zip(adults["adult_id"].tolist(), adults["name"].tolist(), strict=True))
    # The flags read the household conditions of the current wave only.
    current = {wave_id: n for wave_id, n in waves.items() if n == ctx.wave}
    return Tables(students=students, adults=adults, ties=_typed_ties(ties), staff_marks=marks,
                  conditions=_conditions(session, where, current)), names


def _students(session, where, ctx: records.Context) -> pd.DataFrame:
    """The students, and whether they (and their family) answered the current wave."""
    stmt = select(
        Student.id.label("student_id"), Student.school_id, Student.grade,
        Student.household_id,
        func.coalesce(Student.home_language, Student.preferred_language).label("language"),
        _code(Student.race_ethnicity, "students", "race_ethnicity"),
        Student.gender, Student.english_learner, Student.econ_disadvantaged, Student.disability,
    ).where(where).order_by(Student.id)
    frame = _fetch(session, stmt, COLUMNS["students"])
    submitted = (Invitation.wave_id == ctx.wave_id,
                 Invitation.status == InvitationStatus.SUBMITTED)
    own = session.execute(
        select(Invitation.student_id).join(Student, Student.id == Invitation.student_id)
        .where(where, Invitation.kind == SurveyKind.STUDENT, *submitted).distinct()).scalars()
    family = session.execute(
        select(Invitation.household_id)
        .where(Invitation.household_id.in_(select(Student.household_id).where(where)),
               Invitation.kind == SurveyKind.FAMILY, *submitted).distinct()).scalars()
    frame["responded_student"] = frame["student_id"].isin(list(own)).to_numpy()
    frame["responded_family"] = frame["household_id"].isin(list(family)).to_numpy(
        dtype=bool, na_value=False)
    return frame


def _conditions(session, where, waves: dict[int, int]) -> pd.DataFrame:
    """One conditions row per student and wave (the rules of ``records._conditions``).

    The student's own answers win, column by column; the family's fill the gaps.
    """
    hc = HouseholdCondition
    cols = [_code(getattr(hc, c), "conditions", c) if c in _CODED_CONDITIONS
            else getattr(hc, c) for c in conditions.COLUMNS]
    dtypes = {**COLUMNS["conditions"], "response_id": "int64", "rank": "int64"}
    frames = []
    for rank, (kind, on) in enumerate(((SurveyKind.STUDENT, Student.id == hc.student_id),
                                       (SurveyKind.FAMILY, Student.household_id == hc.household_id))):
        stmt = (select(Student.id.label("student_id"), hc.wave_id.label("wave"),
                       literal(rank).label("rank"), hc.response_id, *cols)
                .select_from(hc)
                .join(Student, on)
                .where(where, hc.source == kind, hc.wave_id.in_(list(waves))))
        frames.append(_fetch(session, stmt, dtypes))
    both = pd.concat(frames, ignore_index=True)
    if both.empty:
        return empty_frame("conditions")
    both["wave"] = _ordinals(both["wave"], waves)
    both = both.sort_values(["rank", "response_id"], kind="stable")
    merged = (both.drop(columns=["rank", "response_id"])
              .groupby(["student_id", "wave"], sort=True).first().reset_index())
    return merged.loc[:, list(COLUMNS["conditions"])]


def _wave_ordinals(session, ctx: records.Context, waves) -> dict[int, int]:
    """Wave id → ordinal for the district's ``waves`` (so no row joins ``survey_wave``)."""
    stmt = select(SurveyWave.id, SurveyWave.ordinal).where(
        SurveyWave.district_id == ctx.district_id, SurveyWave.ordinal.in_(list(waves)))
    return {wave_id: ordinal for wave_id, ordinal in session.execute(stmt)}


def _ordinals(wave_ids: pd.Series, waves: dict[int, int]) -> np.ndarray:
    lookup = np.zeros(max(waves, default=0) + 1, dtype=np.int64)
    lookup[list(waves)] = list(waves.values())
    return lookup[wave_ids.to_numpy()]


def _ties_and_adults(session, where, waves: dict[int, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ties of ``waves`` to canonical adults, and those adults (one row each)."""
    named, canon = aliased(Adult), aliased(Adult)
    # Fewer, smaller cells: the driver's per-cell cost is most of the load. The six
    # support types travel as bits of one integer, the categories as their codes.
    bits = _bits(SupportTie, SUPPORT_TYPES)
    stmt = (select(SupportTie.id.label("tie_id"), SupportTie.student_id,
                   canon.id.label("adult_id"), _code(SupportTie.source, "ties", "source"),
                   SupportTie.wave_id.label("wave"), bits.label("support"),
                   SupportTie.reliability, _code(SupportTie.setting, "ties", "setting"),
                   _code(canon.kind, "adults", "kind"), _code(canon.role, "adults", "role"),
                   canon.staff_id, canon.display_name.label("name"))
            .join(named, named.id == SupportTie.adult_id)
            .join(canon, canon.id == func.coalesce(named.merged_into_id, named.id))
            .join(Student, Student.id == SupportTie.student_id)
            .where(where, SupportTie.wave_id.in_(list(waves))))
    frame = _fetch(session, stmt, {**COLUMNS["ties"], **COLUMNS["adults"], "support": "int64"})
    frame["wave"] = _ordinals(frame["wave"], waves)
    support = frame.pop("support").to_numpy()
    for j, t in enumerate(SUPPORT_TYPES):
        frame[t] = (support >> j) & 1 == 1
    adults = frame.loc[~frame["adult_id"].duplicated(), ["adult_id", *_ADULT_COLUMNS]]
    n = len(adults)
    adults.insert(4, "household_id", pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64),
                                                            np.ones(n, dtype=bool)))
    ties = frame.loc[:, list(_TIE_COLUMNS)]
    del frame
    ties = adult_ties.surest_ties(ties).sort_values("tie_id")
    return ties.reset_index(drop=True), adults.reset_index(drop=True)


def _bits(model, names):
    """The boolean columns ``names`` of ``model`` as the bits of one integer."""
    return sum(cast(getattr(model, name), Integer) * (1 << j) for j, name in enumerate(names))


def _code(column, table: str, name: str):
    """``column``'s position in its documented categories (-1 for any other value)."""
    categories = COLUMNS[table][name].categories
    return case({v: i for i, v in enumerate(categories)}, value=column,
                else_=-1).label(name)


def _typed_ties(ties: pd.DataFrame) -> pd.DataFrame:
    """The ties in their documented columns; ``frequency`` and ``lives_with`` empty."""
    n = len(ties)
    missing = np.ones(n, dtype=bool)
    empty = {"frequency": pd.Categorical.from_codes(np.full(n, -1),
                                                    dtype=COLUMNS["ties"]["frequency"]),
             "lives_with": pd.arrays.BooleanArray(np.zeros(n, dtype=bool), missing)}
    return pd.DataFrame({column: empty[column] if column in empty else ties[column]
                         for column in COLUMNS["ties"]}, index=ties.index)


def _marks(session, where, waves: dict[int, int]) -> pd.DataFrame:
    kinds = ("trusting", "may_benefit", "willing_mentor")
    stmt = (select(StaffMark.staff_id, StaffMark.student_id, StaffMark.wave_id.label("wave"),
                   _bits(StaffMark, kinds).label("bits"))
            .join(Student, Student.id == StaffMark.student_id)
            .where(where, StaffMark.wave_id.in_(list(waves))))
    frame = _fetch(session, stmt, {**COLUMNS["staff_marks"], "bits": "int64"})
    frame["wave"] = _ordinals(frame["wave"], waves)
    bits = frame.pop("bits").to_numpy()
    for j, kind in enumerate(kinds):
        frame[kind] = (bits >> j) & 1 == 1
    return frame


def _teaching_staff(session, where, school_ids) -> set[int]:
    """Staff of other schools (or none) who teach any of the students.

    They count as the students' staff, as in ``records``; the schools' own staff
    are loaded anyway, so only the few sections they do not teach are checked.
    """
    theirs = (select(SectionStudent.section_id)
              .join(Student, Student.id == SectionStudent.student_id)
              .where(where, SectionStudent.section_id == SectionTeacher.section_id))
    stmt = (select(SectionTeacher.staff_id)
            .join(StaffUser, StaffUser.id == SectionTeacher.staff_id)
            .where(or_(StaffUser.school_id.is_(None), StaffUser.school_id.not_in(school_ids)),
                   theirs.exists())
            .distinct())
    return set(session.execute(stmt).scalars())


def _execute(session: Session, stmt):
    """Run a select as plain SQL on the session's connection (no per-row result processing)."""
    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positiontup is not None:
        params = tuple(params[k] for k in compiled.positiontup)
    return conn.exec_driver_sql(str(compiled), params)


def fetch_rows(session: Session, stmt) -> tuple[list[str], list[tuple]]:
    """Run a select; return its column names and the driver's plain row tuples.

    (As :func:`frames.read_frame` does: SQLAlchemy's per-row result processing
    is skipped; values are what the driver gives.)
    """
    result = _execute(session, stmt)
    names = list(result.keys())
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    return names, rows


def _fetch(session, stmt, dtypes: dict) -> pd.DataFrame:
    """Run ``stmt`` (its columns named as ``dtypes``) and build each column in its dtype.

    Rows are taken ``_CHUNK`` at a time and turned into compact NumPy columns at
    once, so the driver's row tuples never all live together (peak memory).
    """
    result = _execute(session, stmt)
    names = list(result.keys())
    parts: list[list[np.ndarray]] = [[] for _unused in names]
    while rows := result.cursor.fetchmany(_CHUNK) if result.cursor is not None else []:
        # One 2-D object array (built in C), then a column view each: half the cost
        # of zip(*rows).
        table = np.array(rows, dtype=object)
        for j, name in enumerate(names):
            parts[j].append(_raw(table[:, j], dtypes[name]))
    result.close()
    return pd.DataFrame({name: _column(parts[j], dtypes[name])
                         for j, name in enumerate(names)})


_CHUNK = 50_000


def _raw(values: np.ndarray, dtype) -> np.ndarray:
    """Driver values (an object array) as a compact NumPy array for ``dtype``.

    Integers and codes become int64, booleans bool, nullable ones float (NaN for
    None); text stays object.
    """
    if isinstance(dtype, pd.CategoricalDtype) or dtype == "int64":
        return values.astype(np.int64)  # a categorical column arrives as codes (_code)
    if dtype == "bool":
        return values.astype(bool)
    if dtype in ("Int64", "boolean"):
        return np.where(values == None, np.nan, values).astype(float)  # noqa: E711
    return values


def _column(parts: list[np.ndarray], dtype) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """One column in ``dtype`` (a dtype of COLUMNS) from its :func:`_raw` chunks."""
    if not parts:
        parts = [_raw(np.empty(0, dtype=object), dtype)]
    values = np.concatenate(parts) if len(parts) > 1 else parts[0]
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Categorical.from_codes(values, dtype=dtype)
    if dtype in ("Int64", "boolean"):
        mask = np.isnan(values)
        if dtype == "Int64":
            return pd.arrays.IntegerArray(np.where(mask, 0, values).astype(np.int64), mask)
        return pd.arrays.BooleanArray(np.where(mask, 0, values).astype(bool), mask)
    if dtype in ("int64", "bool"):
        return values
    return pd.array(values, dtype=dtype)
