"""Per-student and per-school measures, counted over tables (vectorised).

The counting never builds a graph: it takes dense positions of students and
adults once and counts distinct reliable (student, adult) pairs with
``np.bincount``. Structural questions (articulation points) live in
:mod:`relationships.graph`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationships import _core
from relationships.input_tables import SUPPORT_TYPES

__all__ = [
    "SHARE_BANDS",
    "measure",
    "school_measures",
    "sole_anchor_frame",
    "sole_anchors",
    "student_measures",
]

#: Bands of reliable adults for the per-school shares.
SHARE_BANDS = ("0", "1", "2", "3+")

_CONDITION_COLUMNS = ("internet", "device_own", "device_shared", "device_phone", "device_none")


def _pair_counts(ctx, pairs):
    n = ctx.n_students
    s, a = pairs["s"], pairs["a"]
    staff = ctx.is_staff[a]
    out = {
        "reliable": _core._count(s, n),
        "non_parent": _core._count(s[~ctx.is_parent[a]], n),
        "school": _core._count(s[staff], n),
        "school_student_view": _core._count(s[staff & pairs["sources"][:, 0]], n),
        "sources_agreeing": _core._count(s[pairs["sources"].sum(axis=1) >= 2], n),
    }
    for j, group in enumerate(_core.GROUPS):
        out[f"setting_{group}"] = _core._count(s[pairs["groups"][:, j]], n)
    for j, kind in enumerate(SUPPORT_TYPES):
        out[f"type_{kind}"] = _core._count(s[pairs["types"][:, j]], n)
    sole = np.full(n, -1, dtype=np.int64)
    one = out["reliable"][s] == 1
    sole[s[one]] = ctx.adult_ids[a[one]]
    out["sole_adult_id"] = sole
    return out


def _conditions(tables, wave, student_ids):
    c = tables.conditions
    c = c.loc[c["wave"].to_numpy() == wave, ["student_id", *_CONDITION_COLUMNS]]
    c = c.drop_duplicates("student_id").set_index("student_id")
    c = c.reindex(student_ids)
    c.insert(0, "has_conditions", c.index.isin(tables.conditions.loc[
        tables.conditions["wave"] == wave, "student_id"]))
    return c.reset_index(drop=True)


def student_measures(tables, *, wave=None, min_reliability=3):
    """Return one row of measures per student for ``wave`` (default: latest).

    Columns: ``student_id, school_id, grade, responded_student,
    responded_family, marks_any`` (any staff mark row this wave),
    ``reliable`` (distinct reliable adults), ``non_parent``, ``school``
    (reliable staff), ``school_student_view`` (reliable staff named by the
    student), ``sources_agreeing`` (reliable adults named by two or more of
    student survey, family survey, staff ✓), ``setting_family``,
    ``setting_school``, ``setting_community``, ``type_<support>`` for the six
    support types, ``trusting_marks``, ``named_staff``, ``marked_unnamed``,
    ``named_unmarked``, ``staff_mapped`` (the school has staff marks this
    wave), ``opted_out``, ``previous``, ``compared``, ``both_waves`` and
    ``change`` (see :func:`measure`), and the
    household conditions of the wave (``has_conditions``, ``internet``,
    ``device_*``).

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> t = to_frames(
    ...     students=[StudentRecord(1, school_id=10, grade=4, responded_student=True)],
    ...     adults=[AdultRecord(7, "family", "grandparent"), AdultRecord(8, "staff", "coach",
    ...             staff_id=80)],
    ...     ties=[TieRecord(1, 1, 7, "student_survey", 1, reliability=4, setting="home"),
    ...           TieRecord(2, 1, 8, "student_survey", 1, reliability=2, setting="school")],
    ... )
    >>> m = student_measures(t)
    >>> m.loc[0, ["reliable", "school", "setting_family"]].tolist()
    [1, 0, 1]
    """
    return measure(tables, wave=wave, min_reliability=min_reliability)[2]


def _student_flag(students, name):
    """A bool column of ``students``; all False when the (optional) column is absent."""
    if name in students:
        return students[name].to_numpy(dtype=bool)
    return np.zeros(len(students), dtype=bool)


def measure(tables, *, wave=None, min_reliability=3):
    """Return ``(context, reliable pairs, student measures)`` computed once.

    The shared first step of :func:`student_measures`, :func:`sole_anchors`
    and :func:`relationships.flags.evaluate`. Ties of a survey that was not
    sent back this wave are left out of every count (see
    :func:`relationships._core.sent_only`).

    ``previous`` and ``compared`` count reliable adults in the wave before and
    in this one, from the sources that sent their survey back in *both* waves
    (the student's own, the family's); ``both_waves`` says whether there is
    such a source. Without one, ``change`` is NA: a student or family who did
    not answer again is missing data, not a loss.

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> t = to_frames(
    ...     students=[StudentRecord(1, 10, 4, responded_student=True,
    ...                             previous_family=True)],
    ...     adults=[AdultRecord(7, "family", "grandparent")],
    ...     ties=[TieRecord(1, 1, 7, "family_survey", 1, reliability=4),
    ...           TieRecord(2, 1, 7, "student_survey", 2, reliability=4)])
    >>> m = measure(t)[2]
    >>> [str(m.loc[0, c]) for c in ("reliable", "previous", "both_waves", "change")]
    ['1', '0', 'False', '<NA>']
    """
    students = tables.students
    student = students["responded_student"].to_numpy(bool)
    family = students["responded_family"].to_numpy(bool)
    ctx = _core.build_context(tables, wave=wave, min_reliability=min_reliability)
    ctx = _core.sent_only(ctx, student, family)
    pairs = _core.reliable_pairs(ctx, tables)
    out = {c: students[c].to_numpy() for c in
           ("student_id", "school_id", "grade", "responded_student", "responded_family")}
    out["opted_out"] = _student_flag(students, "opted_out")
    out["marks_any"] = ctx.marks_any
    out.update(_pair_counts(ctx, pairs))
    view = _core.staff_view(ctx)
    out.update({k: v for k, v in view.items() if not k.endswith("_pairs")})
    mapped = pd.Series(ctx.marks_any).groupby(out["school_id"]).transform("any")
    out["staff_mapped"] = mapped.to_numpy(dtype=bool)
    before_s = _student_flag(students, "previous_student")
    before_f = _student_flag(students, "previous_family")
    prev = _core.build_context(tables, wave=ctx.wave - 1, min_reliability=min_reliability)
    prev = _core.sent_only(prev, before_s, before_f)
    both_s, both_f = student & before_s, family & before_f
    out["previous"] = _core.reliable_count(prev, _core.from_sources(prev, both_s, both_f))
    out["compared"] = _core.reliable_count(ctx, _core.from_sources(ctx, both_s, both_f))
    out["both_waves"] = both_s | both_f
    out["change"] = pd.array(out["compared"] - out["previous"], dtype="Int64")
    out["change"][~out["both_waves"]] = pd.NA
    frame = pd.DataFrame(out)
    conditions = _conditions(tables, ctx.wave, ctx.student_ids)
    conditions["has_conditions"] &= student | family  # only a sent survey's answers count
    frame = pd.concat([frame, conditions], axis=1)
    return ctx, pairs, frame


def sole_anchors(tables, *, wave=None, min_reliability=3):
    """Return, per staff adult, how many students have them as their only reliable school adult.

    This is the counting form of the articulation-point question: removing
    such a staff member cuts the student off from every reliable school adult.

    Returns
    -------
    pandas.DataFrame
        Columns ``adult_id, staff_id, school_id, students`` (students > 0 only).

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> t = to_frames(
    ...     students=[StudentRecord(1, 10, 4), StudentRecord(2, 10, 4)],
    ...     adults=[AdultRecord(8, "staff", "coach", staff_id=80)],
    ...     ties=[TieRecord(1, 1, 8, "student_survey", 1, reliability=4),
    ...           TieRecord(2, 2, 8, "family_survey", 1, reliability=3)],
    ... )
    >>> sole_anchors(t).to_dict("records")
    [{'adult_id': 8, 'staff_id': 80, 'school_id': 10, 'students': 2}]
    """
    ctx = _core.build_context(tables, wave=wave, min_reliability=min_reliability)
    return sole_anchor_frame(ctx, _core.reliable_pairs(ctx, tables), tables)


def sole_anchor_frame(ctx, pairs, tables):
    """:func:`sole_anchors` from an already computed context and reliable pairs."""
    staff = ctx.is_staff[pairs["a"]]
    s, a = pairs["s"][staff], pairs["a"][staff]
    only = _core._count(s, ctx.n_students)[s] == 1
    school = tables.students["school_id"].to_numpy()[s[only]]
    frame = pd.DataFrame({"a": a[only], "school_id": school})
    counts = frame.groupby(["a", "school_id"]).size().rename("students").reset_index()
    adults = tables.adults
    counts.insert(0, "adult_id", ctx.adult_ids[counts["a"].to_numpy()])
    counts.insert(1, "staff_id", adults["staff_id"].to_numpy()[counts["a"].to_numpy()])
    return counts.drop(columns="a").astype({"staff_id": "int64"})


def school_measures(measures, *, anchors=None, anchor_min=10):
    """Return one row of measures per school from :func:`student_measures`.

    Shares of 0 / 1 / 2 / 3+ reliable adults and of "no school adult" are over
    students with any data (a survey back or staff marks); ``coverage_*`` are
    response shares over all students. ``anchor_staff`` counts staff who are
    the sole reliable school adult of at least ``anchor_min`` students
    (``anchors`` from :func:`sole_anchors`).

    Examples
    --------
    >>> m = pd.DataFrame({"school_id": [1, 1], "reliable": [0, 3], "school": [0, 1],
    ...     "responded_student": [True, True], "responded_family": [False, True],
    ...     "marks_any": [False, False]})
    >>> row = school_measures(m).loc[1]
    >>> row[["students", "share_0", "share_3+", "coverage_family"]].tolist()
    [2.0, 0.5, 0.5, 0.5]
    """
    data = measures["responded_student"] | measures["responded_family"] | measures["marks_any"]
    band = np.minimum(measures["reliable"].to_numpy(), 3)
    frame = pd.DataFrame({"school_id": measures["school_id"], "with_data": data})
    for j, name in enumerate(SHARE_BANDS):
        frame[f"share_{name}"] = np.where(data, band == j, np.nan)
    frame["share_no_school_adult"] = np.where(data, measures["school"] == 0, np.nan)
    frame["coverage_student"] = measures["responded_student"].astype(float)
    frame["coverage_family"] = measures["responded_family"].astype(float)
    grouped = frame.groupby("school_id")
    out = grouped.mean()
    out.insert(0, "students", grouped.size())
    out["with_data"] = grouped["with_data"].sum()
    out["anchor_staff"] = 0
    if anchors is not None and len(anchors):
        heavy = anchors.loc[anchors["students"] >= anchor_min]
        out["anchor_staff"] = heavy.groupby("school_id").size().reindex(out.index).fillna(0)
        out["anchor_staff"] = out["anchor_staff"].astype("int64")
    return out
