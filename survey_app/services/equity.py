"""Equity view: one measure per student, broken down by group, small cells suppressed.

Suppression (small groups, complementary cells, 5 %/95 % coding) is
:func:`relationships.equity_breakdown`'s, table by table (the joint
suppression of every table published together,
:func:`relationships.suppress_published`, is not wired here yet: see issue
13's note); this module only picks the students and decides each student's
yes/no (NA when the measure says nothing about them). The measures that are also flags are the flags' own
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

from relationships import equity_breakdown, equity_mean, flag_matrix
from relationships.flags import flag_population
from survey_app.models import ContextMeasure, Engagement, Student
from survey_app.services import records, school_cache

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


def student_values(*, session: Session, ctx: records.Context, school_ids) -> pd.DataFrame:
    """One row per student: the grouping columns and every measure (boolean, NA = unknown)."""
    cached = school_cache.state(session=session, ctx=ctx, school_ids=school_ids)
    return cached.memo("equity_values", lambda: _values(session, cached, school_ids, ctx)).copy()


#: equity measure → the flag it counts (the same students, by the same rule)
FLAG_MEASURES = {"no_school_adult": "no_school_adult", "few_reliable": "few_reliable_adults",
                 "access_barrier": "access_barrier"}


def _values(session: Session, cached, school_ids, ctx: records.Context) -> pd.DataFrame:
    st = cached.tables.students
    ev = cached.evaluation
    ids = ev.measures["student_id"]
    # The flags' own decision, with the district's thresholds (a measure is shown
    # even when its flag is switched off); NA where the rule cannot speak.
    matrix = flag_matrix(ev.measures, ctx.rules, all_codes=True).set_index(ids)
    population = flag_population(ev.measures, ctx.rules).set_index(ids)
    out = st[["school_id", *BREAKDOWNS]].copy()
    for measure, code in FLAG_MEASURES.items():
        fired = matrix[code].reindex(st["student_id"]).to_numpy(bool)
        known = population[code].reindex(st["student_id"]).fillna(False).to_numpy(bool)
        out[measure] = pd.array(np.where(known, fired, None), dtype="boolean")
    out["responded"] = pd.array(st["responded_student"].to_numpy(bool), dtype="boolean")
    out["two_way"] = _two_way(session, st, school_ids)
    return _with_context(out, _latest_context(session, school_ids), st["student_id"])


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


def breakdown(values: pd.DataFrame, *, by: str, measure: str, min_n: int) -> pd.DataFrame:
    """The suppressed table for one grouping, with the gap to the overall rate.

    For an average (``AVERAGES``) ``rate`` is the group's mean and ``count`` is
    empty; the mean is hidden wherever the group's size is.
    """
    frame = values[[by, measure]].copy()
    if isinstance(frame[by].dtype, pd.CategoricalDtype):
        frame[by] = frame[by].astype(object)
    frame[by] = frame[by].astype(object).where(frame[by].notna(), "__none__")
    if measure in AVERAGES:
        table = _average_table(frame, by=by, measure=measure, min_n=min_n)
    else:
        table = equity_breakdown(frame, by=[by], measure=measure, min_n=min_n)
    overall = table.iloc[-1]["rate"]
    table["gap"] = table["rate"] - overall if not pd.isna(overall) else pd.NA
    return table


def _average_table(frame: pd.DataFrame, *, by: str, measure: str, min_n: int) -> pd.DataFrame:
    """:func:`relationships.equity_mean` in the shape of a breakdown (mean as ``rate``)."""
    table = equity_mean(frame, by=[by], value=measure, min_n=min_n)
    table = table.rename(columns={"mean": "rate"})
    table["count"] = pd.array([pd.NA] * len(table), dtype="Int64")
    table["rate_code"] = pd.Series([None] * len(table), dtype=object)
    return table[[by, "n", "count", "rate", "rate_code", "suppressed"]]
