"""Vectorised per-student counting shared by metrics, flags and maps (private).

Everything here works on NumPy arrays taken once from the input tables: dense
student and adult positions, then ``np.bincount`` over (student, adult) pairs.
No Python loop runs per student or per tie.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from relationships.input_tables import SETTINGS, SOURCES, SUPPORT_TYPES, _codes

__all__ = ["Context", "build_context", "current_wave", "isin"]

#: setting code (index in SETTINGS) -> group code: 0 family, 1 school, 2 community
_SETTING_GROUP = np.array([0, 0, 1, 2, -1], dtype=np.int8)
GROUPS = ("family", "school", "community")
_STUDENT, _FAMILY = SOURCES.index("student_survey"), SOURCES.index("family_survey")


def current_wave(tables):
    """Return the latest wave in the ties and staff marks (1 when there is none).

    Examples
    --------
    >>> from relationships.input_tables import to_frames
    >>> current_wave(to_frames())
    1
    """
    waves = [int(f["wave"].max()) for f in (tables.ties, tables.staff_marks) if len(f)]
    return max(waves, default=1)


@dataclass(frozen=True)
class Context:
    """Dense arrays for one wave; built by :func:`build_context`."""

    wave: int
    n_students: int
    n_adults: int
    student_ids: np.ndarray
    adult_ids: np.ndarray
    is_staff: np.ndarray  # per adult
    is_parent: np.ndarray  # per adult
    t_rows: np.ndarray  # positions in tables.ties of this wave's ties
    t_s: np.ndarray
    t_a: np.ndarray
    t_src: np.ndarray
    t_group: np.ndarray
    t_reliable: np.ndarray
    m_s: np.ndarray  # this wave's trusting marks: student position
    m_a: np.ndarray  # ... and adult position of the staff member
    marks_any: np.ndarray  # per student: any staff mark row this wave


def _adult_arrays(tables):
    adults = tables.adults
    a_index = pd.Index(adults["adult_id"])
    is_staff = (_codes(adults["kind"], ("family", "community", "staff")) == 2) | adults[
        "staff_id"
    ].notna().to_numpy()
    is_parent = adults["role"].to_numpy(dtype=object) == "parent_guardian"
    staff_rows = np.flatnonzero(adults["staff_id"].notna().to_numpy())
    staff_index = pd.Index(adults["staff_id"].to_numpy(dtype=float, na_value=np.nan)[staff_rows])
    return a_index, np.asarray(is_staff, dtype=bool), is_parent, staff_rows, staff_index


def _marks(tables, wave, s_index, staff_rows, staff_index):
    m = tables.staff_marks
    in_wave = m["wave"].to_numpy() == wave
    m_s = s_index.get_indexer(m["student_id"].to_numpy()[in_wave])
    pos = staff_index.get_indexer(m["staff_id"].to_numpy(dtype=float)[in_wave])
    m_a = np.where(pos >= 0, staff_rows[np.maximum(pos, 0)], -1)
    marks_any = np.bincount(m_s[m_s >= 0], minlength=len(s_index)) > 0
    trusting = m["trusting"].to_numpy(dtype=bool)[in_wave] & (m_s >= 0) & (m_a >= 0)
    return m_s[trusting], m_a[trusting], marks_any


def build_context(tables, *, wave=None, min_reliability=3):
    """Return the dense arrays of ``wave`` (default: the latest) for counting.

    A tie is reliable when ``reliability >= min_reliability``, or when it is a
    student-survey tie to a staff member who gave the student a ✓ mark in the
    same wave. Ties to unknown students or adults are ignored here; use
    :func:`relationships.validation.validate_tables` first.
    """
    wave = current_wave(tables) if wave is None else int(wave)
    s_index = pd.Index(tables.students["student_id"])
    a_index, is_staff, is_parent, staff_rows, staff_index = _adult_arrays(tables)
    t = tables.ties
    rows = np.flatnonzero(t["wave"].to_numpy() == wave)
    t_s = s_index.get_indexer(t["student_id"].to_numpy()[rows])
    t_a = a_index.get_indexer(t["adult_id"].to_numpy()[rows])
    ok = (t_s >= 0) & (t_a >= 0)
    rows, t_s, t_a = rows[ok], t_s[ok], t_a[ok]
    t_src = _codes(t["source"], SOURCES)[rows]
    t_group = _SETTING_GROUP[_codes(t["setting"], SETTINGS)[rows]]
    rel = t["reliability"].to_numpy(dtype=float, na_value=np.nan)[rows] >= min_reliability
    m_s, m_a, marks_any = _marks(tables, wave, s_index, staff_rows, staff_index)
    n_a = len(a_index)
    confirmed = (t_src == _STUDENT) & is_staff[t_a]
    if confirmed.any() and len(m_s):
        confirmed &= isin(_pair(t_s, t_a, n_a), _pair(m_s, m_a, n_a))
    else:
        confirmed[:] = False
    return Context(
        wave=wave, n_students=len(s_index), n_adults=n_a,
        student_ids=s_index.to_numpy(), adult_ids=a_index.to_numpy(),
        is_staff=is_staff, is_parent=is_parent, t_rows=rows, t_s=t_s, t_a=t_a,
        t_src=t_src, t_group=t_group, t_reliable=rel | confirmed,
        m_s=m_s, m_a=m_a, marks_any=marks_any,
    )


def sent_only(ctx, student_sent, family_sent):
    """Return ``ctx`` without the ties of surveys that were not sent back.

    ``student_sent`` and ``family_sent`` are per student position: whether the
    student's own survey and their family's came back in ``ctx.wave``. A
    started survey that was never sent is not data yet (the one rule for
    started responses; see :mod:`relationships.input_tables`).
    """
    src, s = ctx.t_src, ctx.t_s
    keep = ~(((src == _STUDENT) & ~np.asarray(student_sent, dtype=bool)[s])
             | ((src == _FAMILY) & ~np.asarray(family_sent, dtype=bool)[s]))
    if keep.all():
        return ctx
    return replace(ctx, t_rows=ctx.t_rows[keep], t_s=s[keep], t_a=ctx.t_a[keep],
                   t_src=src[keep], t_group=ctx.t_group[keep],
                   t_reliable=ctx.t_reliable[keep])


def from_sources(ctx, student, family):
    """Per tie of ``ctx``: whether its source is one of the student's chosen ones.

    ``student`` and ``family`` are per student position (e.g. "answered both
    waves").
    """
    s = ctx.t_s
    return (((ctx.t_src == _STUDENT) & np.asarray(student, dtype=bool)[s])
            | ((ctx.t_src == _FAMILY) & np.asarray(family, dtype=bool)[s]))


def isin(values, test):
    """Hash-based ``np.isin`` for int64 arrays (no sorting)."""
    if not len(values) or not len(test):
        return np.zeros(len(values), dtype=bool)
    return pd.Index(pd.unique(test)).get_indexer(values) >= 0


def _pair(s, a, n_adults):
    return s.astype(np.int64) * n_adults + a


def _count(idx, n, weights=None):
    return np.bincount(idx, weights=weights, minlength=n).astype(np.int64)


def reliable_pairs(ctx, tables):
    """Return per reliable (student, adult) pair: student pos, adult pos, type and group bits.

    ``types`` is a boolean (pairs x 6) array (any reliable tie of the pair gave
    that support); ``groups`` a boolean (pairs x 3) array of setting groups;
    ``sources`` a (pairs x 3) boolean array: named in the student survey, in
    the family survey, or ✓-marked by the staff member.
    """
    sel = np.flatnonzero(ctx.t_reliable)
    codes, uniq = pd.factorize(_pair(ctx.t_s[sel], ctx.t_a[sel], ctx.n_adults))
    n_p = len(uniq)
    rows = ctx.t_rows[sel]
    types = np.empty((n_p, len(SUPPORT_TYPES)), dtype=bool)
    for j, name in enumerate(SUPPORT_TYPES):
        w = tables.ties[name].to_numpy(dtype=bool)[rows]
        types[:, j] = np.bincount(codes, weights=w, minlength=n_p) > 0
    groups = np.empty((n_p, 3), dtype=bool)
    sources = np.empty((n_p, 3), dtype=bool)
    g, src = ctx.t_group[sel], ctx.t_src[sel]
    for j in range(3):
        groups[:, j] = np.bincount(codes, weights=g == j, minlength=n_p) > 0
    for j in (_STUDENT, _FAMILY):
        sources[:, j] = np.bincount(codes, weights=src == j, minlength=n_p) > 0
    sources[:, 2] = isin(uniq, _pair(ctx.m_s, ctx.m_a, ctx.n_adults))
    groups[:, 1] |= ctx.is_staff[uniq % ctx.n_adults]
    return {"s": (uniq // ctx.n_adults).astype(np.intp), "a": (uniq % ctx.n_adults).astype(np.intp),
            "types": types, "groups": groups, "sources": sources}


def reliable_count(ctx, keep=None):
    """Return the number of distinct reliable adults per student position.

    ``keep`` (per tie of ``ctx``) limits the count to some ties.
    """
    sel = ctx.t_reliable if keep is None else ctx.t_reliable & keep
    uniq = pd.unique(_pair(ctx.t_s[sel], ctx.t_a[sel], ctx.n_adults))
    return _count(uniq // ctx.n_adults, ctx.n_students)


def staff_view(ctx):
    """Return per student: ✓ marks, named staff, ✓ not named, named but not ✓.

    "Named but not ✓" only counts staff members who marked someone this wave
    (a staff member who did not take part says nothing about the student).
    """
    n, n_a = ctx.n_students, ctx.n_adults
    named = (ctx.t_src == _STUDENT) & ctx.is_staff[ctx.t_a]
    named_pairs = pd.unique(_pair(ctx.t_s[named], ctx.t_a[named], n_a))
    mark_pairs = pd.unique(_pair(ctx.m_s, ctx.m_a, n_a))
    participating = np.zeros(n_a, dtype=bool)
    participating[ctx.m_a] = True
    unnamed = mark_pairs[~isin(mark_pairs, named_pairs)]
    unmarked = named_pairs[~isin(named_pairs, mark_pairs)]
    unmarked = unmarked[participating[unmarked % n_a]]
    return {
        "trusting_marks": _count(mark_pairs // n_a, n),
        "named_staff": _count(named_pairs // n_a, n),
        "marked_unnamed": _count(unnamed // n_a, n),
        "named_unmarked": _count(unmarked // n_a, n),
        "unnamed_pairs": unnamed,
        "unmarked_pairs": unmarked,
    }
