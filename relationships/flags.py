"""Flags with reasons: codes plus parameters, decided over whole tables at once.

:func:`flag_matrix` decides every student rule for every student with
vectorised pandas/NumPy (one boolean column per code); :func:`evaluate`
turns the fired cells into :class:`Flag` objects with the parameters a
sentence needs. The app (``survey_app/words/reasons.py``) turns them into words.

Flags only speak from evidence (:func:`flag_population` says where each rule
can): rules that read survey answers fire only for students with a survey
sent back this wave; staff-view rules only where the school's staff did the
mapping this wave; ``no_data`` fires, and stands alone, for a student with no
survey sent back and no staff marks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from relationships import _core
from relationships._materialise import anchor_flags, no_device, no_school_view, student_flags
from relationships.graph import graph_tables
from relationships.input_tables import Tables
from relationships.metrics import measure, sole_anchor_frame
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
    "flag_population",
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


def flag_population(measures, rules=None):
    """Return, per student code, which students the rule can speak about (bool columns).

    A rule is decided only where there is evidence for it; elsewhere the
    student neither carries the flag nor counts as clear of it (the equity
    view leaves them out: NA). The populations:

    - ``no_data``: everyone (it *is* the lack of evidence);
    - every other rule: never a ``no_data`` student (no flag is inferred from
      nothing), and then:
    - adult counts (``no_reliable_adult``, ``single_anchor``,
      ``few_reliable_adults``, ``narrow_web``, ``support_gap``,
      ``five_adults``): a survey sent back this wave, the student's own or
      their family's (an opted-out student is decided on their family's);
    - ``no_future_guide``: the same, in the rule's grades;
    - ``no_school_adult``: the student's survey sent back, or staff mapping in
      the school this wave;
    - ``perception_gap``: both the student's survey and staff mapping;
    - ``access_barrier``: household answers in a sent survey this wave;
    - ``lost_adults``: a source (the student, the family) that sent its survey
      back in both waves; otherwise the change is missing, not a loss.
    """
    r = rules or FlagRules()
    m = measures
    student = m["responded_student"].to_numpy(dtype=bool)
    survey = student | m["responded_family"].to_numpy(dtype=bool)
    marks = m["marks_any"].to_numpy(dtype=bool)
    data = survey | marks
    mapped = m["staff_mapped"].to_numpy(dtype=bool) & data
    # An unknown grade (NA) is in no range of grades: -1 is before every one of them.
    grade = pd.array(m["grade"], dtype="Int64").fillna(-1).to_numpy(dtype="int64")
    low, high = r.future_grades
    both = m["both_waves"].to_numpy(dtype=bool) if "both_waves" in m else np.zeros(len(m), bool)
    counted = survey
    out = {code: counted for code in ("no_reliable_adult", "single_anchor",
                                      "few_reliable_adults", "narrow_web", "support_gap",
                                      "five_adults")}
    out.update({
        "no_data": np.ones(len(m), dtype=bool),
        "no_school_adult": student | mapped,
        "no_future_guide": survey & (grade >= low) & (grade <= high),
        "perception_gap": student & mapped,
        "access_barrier": survey & m["has_conditions"].to_numpy(dtype=bool),
        "lost_adults": survey & both,
    })
    return pd.DataFrame({c: out[c] for c in STUDENT_CODES}, index=m.index)


def flag_matrix(measures, rules=None, *, all_codes=False):
    """Return one boolean column per student code (rows as in ``measures``).

    ``measures`` comes from :func:`relationships.metrics.student_measures`.
    Disabled codes give all-False columns (unless ``all_codes``: every rule is
    decided with the district's thresholds, for measures such as the equity
    view's). A cell is True only inside :func:`flag_population`.

    Examples
    --------
    >>> from relationships.input_tables import (StudentRecord, AdultRecord, TieRecord,
    ...                                    StaffMarkRecord, to_frames)
    >>> from relationships.metrics import student_measures
    >>> def fired(t, row=0):
    ...     fm = flag_matrix(student_measures(t))
    ...     return [c for c in fm.columns if fm.loc[row, c]]
    >>> nana = AdultRecord(7, "family", "grandparent")
    >>> teacher = AdultRecord(8, "staff", "teacher", staff_id=80)
    >>> t = to_frames(
    ...     students=[StudentRecord(1, 10, 4, responded_student=True), StudentRecord(2, 10, 4)],
    ...     adults=[nana],
    ...     ties=[TieRecord(1, 1, 7, "student_survey", 1, reliability=3, setting="home",
    ...                     emotional=True, practical=True)])
    >>> fired(t), fired(t, 1)
    (['single_anchor', 'few_reliable_adults', 'no_school_adult', 'narrow_web'], ['no_data'])

    A student who named their teacher at reliability 4 has a school adult,
    even where the teacher marked them but gave no ✓ (the student's naming is
    enough; a ✓ would also make a reliability-2 naming reliable):

    >>> t = to_frames(
    ...     students=[StudentRecord(1, 10, 4, responded_student=True)], adults=[teacher],
    ...     ties=[TieRecord(1, 1, 8, "student_survey", 1, reliability=4, setting="school")],
    ...     staff_marks=[StaffMarkRecord(80, 1, 1, trusting=False, may_benefit=True)])
    >>> "no_school_adult" in fired(t)
    False

    A student we know nothing about carries ``no_data`` alone, even in a
    school whose staff did the mapping (and did not mark them):

    >>> t = to_frames(students=[StudentRecord(1, 10, 4), StudentRecord(2, 10, 4)],
    ...               adults=[teacher], staff_marks=[StaffMarkRecord(80, 2, 1, trusting=True)])
    >>> fired(t)
    ['no_data']

    A survey started and never sent is not data: its ties are not counted.

    >>> t = to_frames(students=[StudentRecord(1, 10, 4)], adults=[nana],
    ...               ties=[TieRecord(1, 1, 7, "student_survey", 1, reliability=4)])
    >>> fired(t), int(student_measures(t).loc[0, "reliable"])
    (['no_data'], 0)

    Fewer adults reported is a loss only from a source that answered both
    waves; a family that did not answer again is missing data:

    >>> ties = [TieRecord(1, 1, 7, "family_survey", 1, reliability=4),
    ...         TieRecord(2, 1, 8, "student_survey", 1, reliability=4),
    ...         TieRecord(3, 1, 8, "student_survey", 2, reliability=4)]
    >>> def waves(**kw):
    ...     return to_frames(students=[StudentRecord(1, 10, 4, responded_student=True,
    ...                                              previous_student=True, **kw)],
    ...                      adults=[nana, teacher], ties=ties)
    >>> "lost_adults" in fired(waves(previous_family=True))
    False
    >>> ties[0:0] = [TieRecord(4, 1, 7, "family_survey", 2, reliability=1)]
    >>> "lost_adults" in fired(waves(previous_family=True, responded_family=True))
    True
    """
    r = rules or FlagRules()
    m = measures
    col = {c: m[c].to_numpy() for c in ("reliable", "non_parent")}
    gap = np.zeros(len(m), dtype=bool)
    for kind in r.support_gap_types:
        gap |= m[f"type_{kind}"].to_numpy() == 0
    change = m["change"].to_numpy(dtype=float, na_value=np.nan) if "change" in m else (
        np.full(len(m), np.nan))
    survey = m["responded_student"].to_numpy(dtype=bool) | m["responded_family"].to_numpy(
        dtype=bool)
    rule = {
        "no_data": ~(survey | m["marks_any"].to_numpy(dtype=bool)),
        "no_reliable_adult": col["reliable"] == 0,
        "single_anchor": col["reliable"] == 1,
        "few_reliable_adults": col["non_parent"] < r.few_reliable_minimum,
        "no_school_adult": no_school_view(m) != "",
        "narrow_web": _settings_count(m) < r.narrow_web_minimum,
        "support_gap": gap,
        "no_future_guide": m["type_future"].to_numpy() == 0,
        "perception_gap": (m["marked_unnamed"].to_numpy() > 0)
        | (m["named_unmarked"].to_numpy() > 0),
        "access_barrier": _internet_barrier(m, r) | no_device(m, r),
        "lost_adults": -change >= r.lost_adults_drop,
        "five_adults": col["reliable"] < r.five_adults_minimum,
    }
    population = flag_population(m, r)
    return pd.DataFrame({c: rule[c] & population[c].to_numpy() & (all_codes or c in r.enabled)
                         for c in STUDENT_CODES}, index=m.index)


def _internet_barrier(m, rules):
    return m["internet"].isin(rules.barrier_internet).to_numpy()


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
    >>> from relationships.input_tables import StudentRecord, to_frames
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
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
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
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> t = to_frames(
    ...     students=[StudentRecord(1, 10, 4, responded_student=True)],
    ...     adults=[AdultRecord(7, "family", "grandparent")],
    ...     ties=[TieRecord(1, 1, 7, "student_survey", 1, reliability=4, setting="home",
    ...                     emotional=True)])
    >>> evaluate_strengths(t).loc[0, ["reliable", "setting_family", "type_emotional"]].tolist()
    [1, 1, 1]
    """
    return evaluate(data, rules, wave=wave).strengths
