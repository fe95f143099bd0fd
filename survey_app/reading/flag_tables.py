"""The tables the flags read, loaded narrow: a whole school at a time, for exports.

:func:`survey_app.reading.loader.load_school_tables` loads everything the
counselor pages show (maps, mentors, teaching rosters). A district export only
needs the flags, the strengths and the names its sentences mention, so
:func:`load_school` gives the same flags from less:

- ties carry their (canonical) adult's kind, role, staff id and name, so the
  adults come from the ties query instead of a second pass over every tie;
- ``teaching`` stays empty (no flag reads it); only which other schools' staff
  teach the students is asked, as :mod:`~survey_app.reading.loader` asks it;
- ties' ``frequency`` and ``lives_with`` (read by no flag) are left empty, and
  household conditions are those of the current wave only (the only ones read);
- columns are built straight in their documented dtypes from the driver's rows
  (no per-cell type inference, no second cast).

Same rules as :mod:`~survey_app.reading.loader` (merged adults, staff stand-ins, conditions); the
flagged export's test compares its rows with the caseload's.

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): flag
frame loading: a whole school's ties as driver rows (exports).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Integer, case, cast, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from relationships import Tables
from relationships.input_tables import COLUMNS, SUPPORT_TYPES, empty_frame
from survey_app.models import (
    Adult,
    HouseholdCondition,
    SectionStudent,
    SectionTeacher,
    StaffMark,
    StaffUser,
    Student,
    SupportTie,
    SurveyWave,
    conditions,
)
from survey_app.models.enums import SurveyKind
from survey_app.reading import adult_ties, households, loader
from survey_app.reading.frames import typed

__all__ = ["adult_names", "fetch_rows", "load_school"]

_CODED_CONDITIONS = ("internet", "quiet_place", "adult_home")
_UNREAD_STUDENT_COLUMNS = ("language", "race_ethnicity", "gender", "english_learner",
                           "econ_disadvantaged", "disability")
_TIE_COLUMNS = ("tie_id", "student_id", "adult_id", "source", "wave", *SUPPORT_TYPES,
                "reliability", "setting")


def load_school(*, session: Session, ctx: loader.Context, school_id: int,
                waves) -> Tables:
    """Tables for the flags of every active student of ``school_id``.

    Adults' names are blank but for staff: :func:`adult_names` gives those a
    sentence shows.
    """
    where = loader._student_filter([school_id], None)
    students = _students(session, where, ctx)
    if students.empty:
        return Tables(empty_frame("students"), empty_frame("adults"), empty_frame("ties"))
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
    # The flags read the household conditions of the current wave only.
    current = {wave_id: n for wave_id, n in waves.items() if n == ctx.wave}
    return Tables(students=students, adults=adults, ties=_typed_ties(ties), staff_marks=marks,
                  conditions=_conditions(session, where, current))


def _students(session, where, ctx: loader.Context) -> pd.DataFrame:
    """The students, and whether they (and their family) answered the current wave."""
    stmt = select(Student.id.label("student_id"), Student.school_id, Student.grade,
                  Student.household_id, Student.consent).where(where).order_by(Student.id)
    frame = _fetch(session, stmt, {**COLUMNS["students"], "consent": "object"})
    blank = empty_frame("students").reindex(range(len(frame)))
    for name in _UNREAD_STUDENT_COLUMNS:  # no flag reads them (the equity view does)
        frame[name] = blank[name].array
    frame = loader.with_answered(session, ctx, frame)
    return frame.loc[:, list(COLUMNS["students"])]


def _conditions(session, where, waves: dict[int, int]) -> pd.DataFrame:
    """One conditions row per student and wave (the rules of ``households.household_conditions``).

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
                .where(where, hc.source == kind, hc.wave_id.in_(list(waves)),
                       households.sent_survey(hc, kind)))
        frames.append(_fetch(session, stmt, dtypes))
    both = pd.concat(frames, ignore_index=True)
    if both.empty:
        return empty_frame("conditions")
    both["wave"] = _ordinals(both["wave"], waves)
    both = both.sort_values(["rank", "response_id"], kind="stable")
    merged = (both.drop(columns=["rank", "response_id"])
              .groupby(["student_id", "wave"], sort=True).first().reset_index())
    return merged.loc[:, list(COLUMNS["conditions"])]


def _wave_ordinals(session, ctx: loader.Context, waves) -> dict[int, int]:
    """Wave id → ordinal for the district's ``waves`` (so no row joins ``survey_wave``)."""
    stmt = select(SurveyWave.id, SurveyWave.ordinal).where(
        SurveyWave.district_id == ctx.district_id, SurveyWave.ordinal.in_(list(waves)))
    return {wave_id: ordinal for wave_id, ordinal in session.execute(stmt)}


def _ordinals(wave_ids: pd.Series, waves: dict[int, int]) -> np.ndarray:
    lookup = np.zeros(max(waves, default=0) + 1, dtype=np.int64)
    lookup[list(waves)] = list(waves.values())
    return lookup[wave_ids.to_numpy()]


def _ties_and_adults(session, where, waves: dict[int, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ties of ``waves`` to canonical adults, and those adults (one row each, names blank).

    The driver's per-cell cost is most of the load, so each tie travels as four
    integers: its id, the student, the (canonical) adult, and everything else
    packed into the bits of one BIGINT (:data:`_PACKED`). Adult names are not
    loaded here: only the few a sentence shows are asked for (:func:`adult_names`).
    """
    named, canon = aliased(Adult), aliased(Adult)
    wave_ids = list(waves)
    if len(wave_ids) > _FIELD_MAX["wave"]:
        raise ValueError(f"at most {_FIELD_MAX['wave']} waves at once, got {len(wave_ids)}")
    fields = {
        "support": _bits(SupportTie, SUPPORT_TYPES),
        "reliability": func.coalesce(SupportTie.reliability, _FIELD_MAX["reliability"]),
        "source": _code(SupportTie.source, "ties", "source") + 1,
        "setting": _code(SupportTie.setting, "ties", "setting") + 1,
        "kind": _code(canon.kind, "adults", "kind") + 1,
        "role": _code(canon.role, "adults", "role") + 1,
        # No waves: a CASE with no WHEN branch is an SQL syntax error (and no tie is selected)
        "wave": case({w: i for i, w in enumerate(wave_ids)}, value=SupportTie.wave_id)
        if wave_ids else literal(0),
        "staff": func.coalesce(canon.staff_id, -1) + 1,
    }
    packed = sum(cast(fields[f], BigInteger) * (1 << shift) for f, shift in _PACKED.items())
    stmt = (select(SupportTie.id.label("tie_id"), SupportTie.student_id,
                   canon.id.label("adult_id"), packed.label("packed"))
            .join(named, named.id == SupportTie.adult_id)
            .join(canon, canon.id == func.coalesce(named.merged_into_id, named.id))
            .join(Student, Student.id == SupportTie.student_id)
            .where(where, SupportTie.wave_id.in_(wave_ids)))
    frame = _fetch(session, stmt, {"tie_id": "int64", "student_id": "int64",
                                   "adult_id": "int64", "packed": "int64"})
    packed = frame.pop("packed").to_numpy()
    field = {f: (packed >> shift) & _FIELD_MAX[f] for f, shift in _PACKED.items()}
    ordinals = np.array([waves[w] for w in wave_ids] or [0], dtype=np.int64)
    frame["source"] = _categorical(field["source"] - 1, "ties", "source")
    frame["wave"] = ordinals[field["wave"]]
    for j, t in enumerate(SUPPORT_TYPES):
        frame[t] = (field["support"] >> j) & 1 == 1
    missing = field["reliability"] == _FIELD_MAX["reliability"]
    frame["reliability"] = pd.arrays.IntegerArray(np.where(missing, 0, field["reliability"]),
                                                  missing)
    frame["setting"] = _categorical(field["setting"] - 1, "ties", "setting")
    frame["kind"] = _categorical(field["kind"] - 1, "adults", "kind")
    frame["role"] = _categorical(field["role"] - 1, "adults", "role")
    staff = field["staff"] - 1
    frame["staff_id"] = pd.arrays.IntegerArray(np.maximum(staff, 0), staff < 0)
    adults = frame.loc[~frame["adult_id"].duplicated(), ["adult_id", "kind", "role", "staff_id"]]
    n = len(adults)
    adults.insert(4, "household_id", pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64),
                                                            np.ones(n, dtype=bool)))
    adults.insert(5, "name", pd.array([pd.NA] * n, dtype="string"))
    ties = frame.loc[:, list(_TIE_COLUMNS)]
    del frame
    ties = adult_ties.surest_ties(ties).sort_values("tie_id")
    return ties.reset_index(drop=True), adults.reset_index(drop=True)


#: Bit offset of each field packed into a tie's one integer, and each field's mask
#: (categories are their code + 1, so 0 is "not a known value"; reliability 7 is
#: "not given"; ``wave`` is the position in the query's wave list; ``staff`` is
#: the staff id + 1, 0 for none).
_PACKED = {"support": 0, "reliability": 6, "source": 9, "setting": 11, "kind": 14,
           "role": 16, "wave": 21, "staff": 25}
_FIELD_MAX = {"support": 63, "reliability": 7, "source": 3, "setting": 7, "kind": 3,
              "role": 31, "wave": 15, "staff": (1 << 38) - 1}


def _categorical(codes: np.ndarray, table: str, name: str) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=COLUMNS[table][name])


def adult_names(session: Session, adults: pd.DataFrame, ids) -> dict[int, str]:
    """The names sentences show for adult ``ids``: staff from ``adults``, others looked up."""
    ids = {int(i) for i in ids}
    known = adults.loc[adults["adult_id"].isin(ids) & adults["name"].notna(),
                       ["adult_id", "name"]]
    names = dict(zip(known["adult_id"].tolist(), known["name"].tolist(), strict=True))
    wanted = sorted(i for i in ids - set(names) if i > 0)
    for start in range(0, len(wanted), _CHUNK_IDS):
        chunk = wanted[start:start + _CHUNK_IDS]
        names.update(session.execute(select(Adult.id, Adult.display_name)
                                     .where(Adult.id.in_(chunk))).all())
    return names


_CHUNK_IDS = 5_000


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

    They count as the students' staff, as in :mod:`~survey_app.reading.loader`; the
    schools' own staff are loaded anyway, so only the few sections they do not teach
    are checked.
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
