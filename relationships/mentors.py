"""Mentor-match suggestions: which staff could become a student's trusted adult.

Each suggestion carries reason codes with parameters (never sentences); the
app words them in the reader's language.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationships.metrics import measure, sole_anchor_frame

__all__ = ["WEIGHTS", "suggest_mentors"]

#: Score of each reason; ``anchor_load`` (sole school adult of many students) counts against.
WEIGHTS = {"volunteered": 4, "weak_tie": 2, "shares_language": 2, "teaches_student": 1,
           "anchor_load": -3}


def _candidates(tables, student_id, wave, ctx, pairs):
    marks = tables.staff_marks
    marks = marks.loc[(marks["student_id"] == student_id) & (marks["wave"] == wave)]
    volunteered = set(marks.loc[marks["willing_mentor"], "staff_id"].tolist())
    staff = tables.adults.dropna(subset=["staff_id"]).astype({"staff_id": "int64"})
    by_adult = dict(zip(staff["adult_id"].tolist(), staff["staff_id"].tolist(), strict=True))
    ties = tables.ties
    named = ties.loc[(ties["student_id"] == student_id) & (ties["wave"] == wave)
                     & ties["adult_id"].isin(list(by_adult))]
    weak = {}
    for adult, level in zip(named["adult_id"].tolist(),
                            named["reliability"].astype(object).tolist(), strict=True):
        weak[by_adult[adult]] = None if level is pd.NA else level
    trusting = set(marks.loc[marks["trusting"], "staff_id"].tolist())
    weak.update({s: None for s in trusting if s not in weak})
    pos = int(np.flatnonzero(ctx.student_ids == student_id)[0])
    reliable = {by_adult.get(int(ctx.adult_ids[a])) for a in pairs["a"][pairs["s"] == pos]}
    teaches = set(tables.teaching.loc[tables.teaching["student_id"] == student_id,
                                      "staff_id"].tolist())
    pool = (volunteered | set(weak) | teaches) - reliable
    return pool, volunteered, weak, teaches, staff.set_index("staff_id")


def suggest_mentors(tables, student_id, *, wave=None, languages=None, limit=5,
                    min_reliability=3, anchor_minimum=10, loads=None):
    """Rank staff who could mentor ``student_id``; each suggestion says why.

    Candidates are staff who volunteered (★), already have a weak tie (named
    with reliability below the threshold, or a ✓ the student did not confirm)
    or teach the student, and are not already a reliable adult of the
    student. Sharing a language with the family (``languages``, default the
    student's home language) adds to the score; being the sole school adult
    of many students (``anchor_load``) counts against it. ``loads`` maps
    staff id to that number of students, counted over the whole school (when
    ``tables`` hold only the student's neighbourhood); default: counted in
    ``tables``.

    Returns
    -------
    list of dict
        ``{"adult_id", "staff_id", "score", "reasons": [{"code", "params"}]}``,
        best first (ties broken by lighter anchor load, then staff id).

    Examples
    --------
    >>> from relationships.input_tables import (StudentRecord, AdultRecord, StaffMarkRecord,
    ...     TeachingRecord, to_frames)
    >>> t = to_frames(students=[StudentRecord(1, 10, 9, language="es")],
    ...     adults=[AdultRecord(8, "staff", "teacher", staff_id=80, languages=("en", "es")),
    ...             AdultRecord(9, "staff", "coach", staff_id=90, languages=("en",))],
    ...     staff_marks=[StaffMarkRecord(90, 1, 1, willing_mentor=True)],
    ...     teaching=[TeachingRecord(80, 1)])
    >>> [(s["staff_id"], [r["code"] for r in s["reasons"]]) for s in suggest_mentors(t, 1)]
    [(90, ['volunteered']), (80, ['shares_language', 'teaches_student'])]
    """
    ctx, pairs, _unused = measure(tables, wave=wave, min_reliability=min_reliability)
    if student_id not in set(ctx.student_ids.tolist()):
        raise ValueError(f"unknown student {student_id}")
    pool, volunteered, weak, teaches, staff = _candidates(tables, student_id, ctx.wave, ctx,
                                                          pairs)
    if languages is None:
        row = tables.students.loc[tables.students["student_id"] == student_id].iloc[0]
        languages = [] if pd.isna(row["language"]) else [row["language"]]
    if loads is None:
        loads = sole_anchor_frame(ctx, pairs, tables).groupby("staff_id")["students"].sum()
    out = []
    for staff_id in pool:
        reasons = _reasons(staff_id, volunteered, weak, teaches, languages,
                           staff.at[staff_id, "languages"], int(loads.get(staff_id, 0)),
                           anchor_minimum)
        score = sum(WEIGHTS[r["code"]] for r in reasons)
        out.append({"adult_id": int(staff.at[staff_id, "adult_id"]), "staff_id": staff_id,
                    "score": score, "load": int(loads.get(staff_id, 0)), "reasons": reasons})
    out.sort(key=lambda s: (-s["score"], s["load"], s["staff_id"]))
    return out[:limit]


def _reasons(staff_id, volunteered, weak, teaches, languages, spoken, load, anchor_minimum):
    reasons = []
    if staff_id in volunteered:
        reasons.append({"code": "volunteered", "params": {}})
    if staff_id in weak:
        reasons.append({"code": "weak_tie", "params": {"reliability": weak[staff_id]}})
    shared = sorted(set(languages) & set(spoken or ()))
    if shared:
        reasons.append({"code": "shares_language", "params": {"languages": shared}})
    if staff_id in teaches:
        reasons.append({"code": "teaches_student", "params": {}})
    if load >= anchor_minimum:
        reasons.append({"code": "anchor_load", "params": {"students": load,
                                                          "minimum": anchor_minimum}})
    return reasons

