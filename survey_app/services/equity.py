"""Equity view: one yes/no measure per student, broken down by group, small cells suppressed.

Suppression (small groups, complementary cells, 5 %/95 % coding) is
:func:`relationships.equity_breakdown`'s; this module only picks the students
and decides each student's yes/no (NA when the measure says nothing about them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from relationships import equity_breakdown, evaluate, flag_matrix
from survey_app.models import Engagement
from survey_app.services import records

MEASURES = ("no_school_adult", "few_reliable", "access_barrier", "responded", "two_way")
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
    tables = records.load_school_tables(session=session, ctx=ctx, school_ids=school_ids,
                                        waves=records.waves_for_flags(ctx))
    st = tables.students
    ev = evaluate(tables, ctx.rules, wave=ctx.wave, errors="skip")
    m = ev.measures.set_index("student_id").reindex(st["student_id"])
    data = (m["responded_student"] | m["responded_family"] | m["marks_any"]).to_numpy(bool)
    matrix = flag_matrix(ev.measures, ctx.rules).set_index(ev.measures["student_id"])
    barrier = matrix["access_barrier"].reindex(st["student_id"]).to_numpy(bool)
    has_cond = m["has_conditions"].fillna(False).to_numpy(bool)
    out = st[list(BREAKDOWNS)].copy()
    out["no_school_adult"] = pd.array(np.where(data, m["school"].to_numpy() == 0, None),
                                      dtype="boolean")
    out["few_reliable"] = pd.array(np.where(data, m["reliable"].to_numpy() < 3, None),
                                   dtype="boolean")
    out["access_barrier"] = pd.array(np.where(has_cond, barrier, None), dtype="boolean")
    out["responded"] = pd.array(st["responded_student"].to_numpy(bool), dtype="boolean")
    out["two_way"] = _two_way(session, st, school_ids)
    return out


def breakdown(values: pd.DataFrame, *, by: str, measure: str, min_n: int) -> pd.DataFrame:
    """The suppressed table for one grouping, with the gap to the overall rate."""
    frame = values[[by, measure]].copy()
    if isinstance(frame[by].dtype, pd.CategoricalDtype):
        frame[by] = frame[by].astype(object)
    frame[by] = frame[by].astype(object).where(frame[by].notna(), "__none__")
    table = equity_breakdown(frame, by=[by], measure=measure, min_n=min_n)
    overall = table.iloc[-1]["rate"]
    table["gap"] = table["rate"] - overall if not pd.isna(overall) else pd.NA
    return table
