"""Equity view: one measure per student, broken down by group, small cells suppressed.

Suppression (small groups, small counts, 5 %/95 % coding, complementary cells)
is :func:`relationships.suppress_published`'s, decided once on every table the
view and the export can show together (:func:`published`); this module only
picks the students and decides each student's yes/no (NA when the measure
says nothing about them). The measures that are also flags are the flags' own
decision with the district's settings, so each district total equals the
number of students carrying the flag.

Context data (``import-context``) gives two yes/no measures, chronically absent
(attendance below 90 %) and assignment completion below 80 %, and two averages
per group. All use the latest term: the one whose rows were first imported most
recently (term labels such as ``2025-fall`` do not sort by time). An average is
shown only where the group's number of students is shown, so it hides exactly
the groups the yes/no table hides.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from relationships import flag_matrix
from relationships.equity import ALL, suppress_published
from relationships.flags import flag_population
from survey_app.models import ContextMeasure, Engagement, Student
from survey_app.reading import cache, loader

MEASURES = ("no_school_adult", "few_reliable", "access_barrier", "responded", "two_way",
            "chronic_absent", "low_completion", "attendance_avg", "completion_avg")
#: average measure → the context column it averages
AVERAGES = {"attendance_avg": "attendance_rate", "completion_avg": "assignment_completion"}
CHRONIC_ABSENCE, LOW_COMPLETION = 0.90, 0.80
BREAKDOWNS = ("race_ethnicity", "gender", "english_learner", "econ_disadvantaged",
              "disability", "grade", "language")


def _two_way(session: Session, students: pd.DataFrame, school_ids) -> np.ndarray:
    """Per student: their family had a two-way, positive contact (NA without a household)."""
    rows = session.exec(select(Engagement.household_id).where(
        Engagement.school_id.in_(list(school_ids)), Engagement.two_way.is_(True),
        Engagement.positive.is_(True)).distinct()).all()
    reached = {r[0] if isinstance(r, tuple) else r for r in rows}
    households = students["household_id"]
    values = [pd.NA if pd.isna(h) else int(h) in reached for h in households]
    return pd.array(values, dtype="boolean")


def student_values(*, session: Session, ctx: loader.Context, school_ids) -> pd.DataFrame:
    """One row per student: the grouping columns and every measure (boolean, NA = unknown)."""
    cached = cache.state(session=session, ctx=ctx, school_ids=school_ids)
    return cached.memo("equity_values", lambda: _values(session, cached, school_ids, ctx)).copy()


#: equity measure → the flag it counts (the same students, by the same rule)
FLAG_MEASURES = {"no_school_adult": "no_school_adult", "few_reliable": "few_reliable_adults",
                 "access_barrier": "access_barrier"}


def _values(session: Session, cached, school_ids, ctx: loader.Context) -> pd.DataFrame:
    students = cached.tables.students
    evaluation = cached.evaluation
    ids = evaluation.measures["student_id"]
    # The flags' own decision, with the district's thresholds (a measure is shown
    # even when its flag is switched off); NA where the rule cannot speak.
    matrix = flag_matrix(evaluation.measures, ctx.rules, all_codes=True).set_index(ids)
    population = flag_population(evaluation.measures, ctx.rules).set_index(ids)
    out = students[["school_id", *BREAKDOWNS]].copy()
    for measure, code in FLAG_MEASURES.items():
        fired = matrix[code].reindex(students["student_id"]).to_numpy(bool)
        known = population[code].reindex(students["student_id"]).fillna(False).to_numpy(bool)
        out[measure] = pd.array(np.where(known, fired, None), dtype="boolean")
    out["responded"] = pd.array(students["responded_student"].to_numpy(bool), dtype="boolean")
    out["two_way"] = _two_way(session, students, school_ids)
    return _with_context(out, _latest_context(session, school_ids), students["student_id"])


def _latest_context(session: Session, school_ids) -> pd.DataFrame:
    """Attendance and completion of the latest term, one row per student (may be empty)."""
    in_schools = (select(Student.id).where(Student.school_id.in_(list(school_ids)))
                  .scalar_subquery())
    terms = session.execute(
        select(ContextMeasure.term, func.min(ContextMeasure.imported_at).label("first"))
        .where(ContextMeasure.student_id.in_(in_schools)).group_by(ContextMeasure.term)
        .order_by(func.min(ContextMeasure.imported_at).desc(), ContextMeasure.term.desc())
        .limit(1)).first()
    columns = ["student_id", *AVERAGES.values()]
    if terms is None:
        return pd.DataFrame(columns=columns)
    rows = session.execute(select(*(getattr(ContextMeasure, c) for c in columns)).where(
        ContextMeasure.term == terms[0], ContextMeasure.student_id.in_(in_schools))).all()
    return pd.DataFrame(rows, columns=columns)


def _with_context(out: pd.DataFrame, context: pd.DataFrame, student_ids) -> pd.DataFrame:
    ctx = context.set_index("student_id").reindex(student_ids.to_numpy())
    attendance = ctx["attendance_rate"].astype("Float64")
    completion = ctx["assignment_completion"].astype("Float64")
    # .array, not .to_numpy(): NA (no data) must stay NA, never become False.
    out["attendance_avg"] = attendance.array
    out["completion_avg"] = completion.array
    out["chronic_absent"] = (attendance < CHRONIC_ABSENCE).array
    out["low_completion"] = (completion < LOW_COMPLETION).array
    return out


def published(values: pd.DataFrame, *, min_n: int) -> dict:
    """Every table the equity view and its export can show for these students, suppressed
    together (:func:`relationships.suppress_published`): each measure by each grouping, for
    all of them and, with several schools, for each school."""
    frame = values.copy()
    for by in BREAKDOWNS:
        frame[by] = frame[by].astype(object).where(frame[by].notna(), "__none__")
    several = "school_id" in frame and frame["school_id"].nunique() > 1
    return suppress_published(frame, measures=MEASURES, groupings=BREAKDOWNS,
                              area="school_id" if several else None, min_n=min_n)


def published_tables(*, session: Session, ctx: loader.Context, school_ids) -> dict:
    """:func:`published` for ``school_ids``, kept until the next write (view and export)."""
    values = student_values(session=session, ctx=ctx, school_ids=school_ids)  # (its own memo)
    cached = cache.state(session=session, ctx=ctx, school_ids=school_ids)
    return cached.memo(("equity_published", ctx.min_n),
                       lambda: published(values, min_n=ctx.min_n))


def breakdown(values: pd.DataFrame, *, by: str, measure: str, min_n: int, area=ALL,
              tables: dict | None = None) -> pd.DataFrame:
    """The suppressed table for one grouping and area, with the gap to the overall rate.

    ``tables``: the :func:`published` set ``values`` belongs to (worked out here
    when not given). ``area``: a school id, or ``ALL`` for all of ``values``. For
    an average (``AVERAGES``) ``rate`` is the group's mean and ``count`` is
    empty; the mean is shown only where the group's size is.
    """
    tables = published(values, min_n=min_n) if tables is None else tables
    key = (measure, by, area)
    if key not in tables:  # one school's own values: its tables are the "all" ones
        key = (measure, by, ALL)
    table = tables[key].copy()
    if measure in AVERAGES:
        rows = values if area == ALL or "school_id" not in values else values.loc[
            values["school_id"] == area]
        groups = rows[by].astype(object).where(rows[by].notna(), "__none__")
        numbers = rows[measure].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        means = pd.Series(numbers).groupby(groups.to_numpy()).mean()
        overall = float(np.nanmean(numbers)) if np.isfinite(numbers).any() else None
        mean = [overall if g == "total" else means.get(g) for g in table[by]]
        table["rate"] = pd.array([None if pd.isna(n) or m is None or pd.isna(m) else m
                                  for n, m in zip(table["n"], mean, strict=True)],
                                 dtype="Float64")
    overall = table.iloc[-1]["rate"]
    table["gap"] = table["rate"] - overall if not pd.isna(overall) else pd.NA
    return table
