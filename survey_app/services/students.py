"""A student's profile: conditions, adults by source, flags with evidence, history, map.

Everything comes from one neighbourhood load (:func:`loader.load_neighbourhood`)
plus a few small queries; the view turns the result into a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from relationships import build_support_graph, evaluate, student_measures
from relationships.input_tables import SUPPORT_TYPES
from relationships.maps import ego_map
from survey_app.models import ContextMeasure, School, Student
from survey_app.reading import cache, households, loader


@dataclass
class AdultRow:
    adult_id: int
    name: str
    role: str
    kind: str
    setting: str | None
    by_source: dict = field(default_factory=dict)  # source -> {"reliability", "support", "frequency"}
    staff_trusting: bool | None = None  # a staff adult's own ✓ (None: not a staff member)
    reliable: bool = False
    disagreement: bool = False


@dataclass
class Profile:
    student: Student
    school_name: str
    wave: int
    tables: object
    conditions: dict  # kind ("student" | "family") -> {item_id: value}, current wave
    adults: list[AdultRow]
    flags: list
    strengths: dict
    history: list[dict]
    context: list[ContextMeasure]
    names: dict  # adult_id -> display name
    graph: object


def find_student(*, session: Session, student_id: int, school_ids) -> Student | None:
    """The student, if active and in one of ``school_ids`` (else None: the view answers 404)."""
    student = session.get(Student, student_id)
    if student is None or student.school_id not in school_ids or not student.active \
            or student.deleted_at is not None:
        return None
    return student


def neighbourhood(*, session: Session, ctx: loader.Context, student: Student):
    """:func:`loader.load_neighbourhood` of ``student``, with the school's staff-marking
    counts kept per data version (every profile of the school reads the same ones)."""
    marking = cache.memo(
        session, ("staff_marking", student.school_id),
        lambda: loader.staff_marking(session=session, school_id=student.school_id),
        school_ids=[student.school_id])
    return loader.load_neighbourhood(session=session, ctx=ctx, student_id=student.id,
                                      marking=marking)


def load_profile(*, session: Session, ctx: loader.Context, student: Student) -> Profile:
    """Everything the profile page shows about ``student``.

    What comes from the survey tables is made once per data version (see
    :mod:`survey_app.reading.cache`) and shared: callers read it and never change it.
    """
    made = cache.memo(
        session, ("profile", student.id, ctx.district_id, ctx.wave, ctx.wave_id,
                  repr(ctx.rules)),
        lambda: _derive(session, ctx, student), school_ids=[student.school_id])
    school = session.get(School, student.school_id)
    return Profile(
        student=student, school_name=school.name if school else "", wave=ctx.wave,
        context=list(session.exec(select(ContextMeasure).where(
            ContextMeasure.student_id == student.id).order_by(ContextMeasure.term)).scalars()),
        **made)


def _derive(session: Session, ctx: loader.Context, student: Student) -> dict:
    tables = neighbourhood(session=session, ctx=ctx, student=student)
    evaluation = evaluate(tables, ctx.rules, wave=ctx.wave, errors="skip")
    names = dict(zip(tables.adults["adult_id"].tolist(), tables.adults["name"].tolist(),
                     strict=True))
    answers = households.condition_answers(session=session, where=loader.student_where(student.id),
                                        waves=[ctx.wave])
    G = build_support_graph(tables, student_ids=[student.id], wave=ctx.wave,
                            min_reliability=ctx.rules.min_reliability)
    return {
        "tables": tables, "names": names, "graph": G,
        "conditions": {kind: dict(zip(g["item_id"], g["value"], strict=True))
                       for kind, g in answers.groupby("kind")},
        "adults": adult_rows(tables, student.id, ctx.wave, ctx.rules.min_reliability, G),
        "flags": [f for f in evaluation.flags if f.student_id == student.id],
        "strengths": evaluation.strengths.set_index("student_id").loc[student.id].to_dict(),
        "history": history(tables, student.id, ctx, known={ctx.wave: evaluation.measures}),
    }


def _by_source(ties: pd.DataFrame) -> dict:
    out = {}
    for rec in ties.to_dict("records"):
        level = rec["reliability"]
        out[str(rec["source"])] = {
            "reliability": None if pd.isna(level) else int(level),
            "support": [k for k in SUPPORT_TYPES if rec[k]],
            "frequency": None if pd.isna(rec["frequency"]) else str(rec["frequency"]),
        }
    return out


def _disagree(by_source: dict, trusting: bool | None, min_reliability: int) -> bool:
    """Sources disagree: one sure and the other not, or a staff ✓ the student did not give."""
    levels = [v["reliability"] for v in by_source.values() if v["reliability"] is not None]
    if len(levels) >= 2 and (min(levels) < min_reliability <= max(levels)):
        return True
    named = "student_survey" in by_source
    return trusting is not None and (trusting != named)


def adult_rows(tables, student_id: int, wave: int, min_reliability: int, G) -> list[AdultRow]:
    """One row per adult around the student this wave, every source side by side."""
    ties = tables.ties.loc[(tables.ties["student_id"] == student_id)
                           & (tables.ties["wave"] == wave)]
    marks = tables.staff_marks.loc[(tables.staff_marks["student_id"] == student_id)
                                   & (tables.staff_marks["wave"] == wave)]
    trusting = dict(zip(marks["staff_id"].tolist(), marks["trusting"].tolist(), strict=True))
    adults = tables.adults.set_index("adult_id")
    ids = list(dict.fromkeys(ties["adult_id"].tolist()))
    staff_to_adult = {int(s): a for a, s in adults["staff_id"].dropna().items()}
    ids += [staff_to_adult[s] for s, t in trusting.items()
            if t and s in staff_to_adult and staff_to_adult[s] not in ids]
    rows = []
    for adult_id in ids:
        a = adults.loc[adult_id]
        mine = ties.loc[ties["adult_id"] == adult_id]
        by_source = _by_source(mine)
        staff_id = None if pd.isna(a["staff_id"]) else int(a["staff_id"])
        mark = trusting.get(staff_id) if staff_id is not None else None
        if staff_id is not None and mark is None and marks["staff_id"].isin([staff_id]).any():
            mark = False
        edge = G.edges.get((("student", student_id), ("adult", adult_id)), {})
        rows.append(AdultRow(
            adult_id=int(adult_id), name=str(a["name"]), role=str(a["role"]), kind=str(a["kind"]),
            setting=str(mine["setting"].iloc[0]) if len(mine) else ("school" if staff_id else None),
            by_source=by_source, staff_trusting=mark, reliable=bool(edge.get("reliable")),
            disagreement=_disagree(by_source, mark, min_reliability)))
    return sorted(rows, key=lambda r: (not r.reliable, r.name.casefold()))


def history(tables, student_id: int, ctx: loader.Context, known=None) -> list[dict]:
    """Reliable adults (all, at school, beyond parents) in each wave the student took part.

    ``known``: wave -> student measures already counted (the evaluation's, current wave).
    """
    waves = sorted(set(tables.ties["wave"].tolist()) | set(tables.staff_marks["wave"].tolist()))
    out = []
    for w in waves:
        m = (known or {}).get(w)
        if m is None:
            m = student_measures(tables, wave=w, min_reliability=ctx.rules.min_reliability)
        row = m.loc[m["student_id"] == student_id].iloc[0]
        out.append({"wave": int(w), "reliable": int(row["reliable"]),
                    "school": int(row["school"]), "non_parent": int(row["non_parent"])})
    return out


def map_data(profile: Profile, labels: dict) -> dict:
    """vis-network data of the student's support map (labels already translated)."""
    return ego_map(profile.graph, profile.student.id, labels)


def evidence_names(profile: Profile, flag) -> list[str]:
    """Names of the adults a flag's evidence points at (tie ids or staff adult ids)."""
    ties = profile.tables.ties
    by_tie = dict(zip(ties["tie_id"].tolist(), ties["adult_id"].tolist(), strict=True))
    out = []
    for ref in flag.evidence:
        adult = by_tie.get(int(ref), int(ref)) if flag.code not in (
            "no_school_adult", "perception_gap") else int(ref)
        name = profile.names.get(adult)
        if name is not None and name not in out:
            out.append(name)
    return out
