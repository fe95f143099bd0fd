"""Flags with reasons: codes plus parameters, decided over whole tables at once.

:func:`flag_matrix` decides every student rule for every student with
vectorised pandas/NumPy (one boolean column per code); :func:`evaluate`
turns the fired cells into :class:`Flag` objects with the parameters a
sentence needs. The app (``survey_app/words/reasons.py``) turns them into words.

Flags only speak from evidence: rules that read survey answers fire only
for students with a survey back this wave; staff-view rules only where the
school's staff did the mapping this wave; ``no_data`` fires (instead of
everything else) for a student with no survey and no staff marks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from relationships import _core
from relationships._materialise import anchor_flags, no_device, no_school_view, student_flags
from relationships.graph import graph_tables
from relationships.metrics import measure, sole_anchor_frame
from relationships.records import Tables
from relationships.rules import CODES, STUDENT_CODES, Flag, FlagRules
from relationships.validation import validate_tables

__all__ = [
    "CODES",
    "Evaluation",
    "Flag",
    "FlagRules",
    "evaluate",
    "evaluate_flags",
    "evaluate_strengths",
    "flag_matrix",
]

STRENGTH_COLUMNS = (
    "reliable", "non_parent", "school", "setting_family", "setting_school",
    "setting_community", "type_emotional", "type_academic", "type_practical",
    "type_appraisal", "type_future", "type_emergency", "sources_agreeing",
)


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate` returns: flags, strengths, measures and skipped rows."""

    flags: list
    strengths: pd.DataFrame
    measures: pd.DataFrame
    skips: dict


def _settings_count(m):
    return sum((m[f"setting_{g}"].to_numpy() > 0).astype(int) for g in _core.GROUPS)


def flag_matrix(measures, rules=None):
    """Return one boolean column per student code (rows as in ``measures``).

    ``measures`` comes from :func:`relationships.metrics.student_measures`.
    Disabled codes give all-False columns.

    Examples
    --------
    >>> from relationships.records import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> from relationships.metrics import student_measures
    >>> t = to_frames(
    ...     students=[StudentRecord(1, 10, 4, responded_student=True), StudentRecord(2, 10, 4)],
    ...     adults=[AdultRecord(7, "family", "grandparent")],
    ...     ties=[TieRecord(1, 1, 7, "student_survey", 1, reliability=3, setting="home",
    ...                     emotional=True, practical=True)])
    >>> fm = flag_matrix(student_measures(t))
    >>> [c for c in fm.columns if fm.loc[0, c]]
    ['single_anchor', 'few_reliable_adults', 'no_school_adult', 'narrow_web']
    >>> [c for c in fm.columns if fm.loc[1, c]]
    ['no_data']
    """
    r = rules or FlagRules()
    m = measures
    col = {c: m[c].to_numpy() for c in ("reliable", "non_parent", "grade", "previous")}
    student = m["responded_student"].to_numpy(dtype=bool)
    survey = student | m["responded_family"].to_numpy(dtype=bool)
    no_data = ~survey & ~m["marks_any"].to_numpy(dtype=bool)
    gap = np.zeros(len(m), dtype=bool)
    for kind in r.support_gap_types:
        gap |= m[f"type_{kind}"].to_numpy() == 0
    low, high = r.future_grades
    out = {
        "no_data": no_data,
        "no_reliable_adult": survey & (col["reliable"] == 0),
        "single_anchor": survey & (col["reliable"] == 1),
        "few_reliable_adults": survey & (col["non_parent"] < r.few_reliable_minimum),
        "no_school_adult": no_school_view(m) != "",
        "narrow_web": survey & (_settings_count(m) < r.narrow_web_minimum),
        "support_gap": survey & gap,
        "no_future_guide": survey & (col["grade"] >= low) & (col["grade"] <= high)
        & (m["type_future"].to_numpy() == 0),
        "perception_gap": student & m["staff_mapped"].to_numpy(dtype=bool)
        & ((m["marked_unnamed"].to_numpy() > 0) | (m["named_unmarked"].to_numpy() > 0)),
        "access_barrier": _access_barrier(m, r),
        "lost_adults": survey & (col["previous"] - col["reliable"] >= r.lost_adults_drop),
        "five_adults": survey & (col["reliable"] < r.five_adults_minimum),
    }
    return pd.DataFrame({c: out[c] & (c in r.enabled) for c in STUDENT_CODES}, index=m.index)


def _access_barrier(m, rules):
    internet = m["internet"].isin(rules.barrier_internet).to_numpy()
    return m["has_conditions"].to_numpy(dtype=bool) & (internet | no_device(m, rules))


def evaluate(data, rules=None, *, wave=None, student_ids=None, errors="raise"):
    """Validate, count and decide every rule; return an :class:`Evaluation`.

    Parameters
    ----------
    data : Tables or networkx.DiGraph
        Input tables, or a graph from
        :func:`relationships.graph.build_support_graph` (its tables are read
        back with :func:`relationships.graph.graph_tables`).
    rules : FlagRules, optional
    wave : int, optional
        Default: the latest wave present.
    student_ids : iterable of int, optional
        Only make :class:`Flag` objects for these students (the counting still
        runs over all, vectorised); staff-level flags are kept.
    errors : {"raise", "skip"}
        Bad records raise ``ValueError`` or are skipped and counted in ``skips``.

    Examples
    --------
    >>> from relationships.records import StudentRecord, to_frames
    >>> ev = evaluate(to_frames(students=[StudentRecord(1, 10, 4)]))
    >>> [(f.code, f.student_id, f.params) for f in ev.flags]
    [('no_data', 1, {'wave': 1})]
    """
    rules = rules or FlagRules()
    tables = data if isinstance(data, Tables) else graph_tables(data)  # a graph's own tables
    tables, skips = validate_tables(tables, errors=errors)
    ctx, pairs, measures = measure(tables, wave=wave, min_reliability=rules.min_reliability)
    matrix = flag_matrix(measures, rules)
    keep = None if student_ids is None else measures["student_id"].isin(list(student_ids))
    flags = student_flags(ctx, tables, measures, matrix, rules, keep)
    if "anchor_load" in rules.enabled:
        flags += anchor_flags(sole_anchor_frame(ctx, pairs, tables), rules, ctx.wave)
    strengths = measures.loc[:, ["student_id", *STRENGTH_COLUMNS]]
    return Evaluation(flags=flags, strengths=strengths, measures=measures, skips=skips)


def evaluate_flags(data, rules=None, *, wave=None, student_ids=None):
    """Return the list of :class:`Flag` for ``data`` (bad records raise).

    Examples
    --------
    >>> from relationships.records import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> t = to_frames(
    ...     students=[StudentRecord(1, 10, 10, responded_student=True)],
    ...     adults=[AdultRecord(7, "family", "parent_guardian")],
    ...     ties=[TieRecord(1, 1, 7, "student_survey", 1, reliability=2, setting="home")])
    >>> sorted(f.code for f in evaluate_flags(t))  # doctest: +NORMALIZE_WHITESPACE
    ['few_reliable_adults', 'narrow_web', 'no_future_guide', 'no_reliable_adult',
     'no_school_adult', 'support_gap']
    """
    return evaluate(data, rules, wave=wave, student_ids=student_ids).flags


def evaluate_strengths(data, rules=None, *, wave=None):
    """Return reliable adults per student: total, non-parent, school, by setting and type.

    Examples
    --------
    >>> from relationships.records import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> t = to_frames(
    ...     students=[StudentRecord(1, 10, 4, responded_student=True)],
    ...     adults=[AdultRecord(7, "family", "grandparent")],
    ...     ties=[TieRecord(1, 1, 7, "student_survey", 1, reliability=4, setting="home",
    ...                     emotional=True)])
    >>> evaluate_strengths(t).loc[0, ["reliable", "setting_family", "type_emotional"]].tolist()
    [1, 1, 1]
    """
    return evaluate(data, rules, wave=wave).strengths
