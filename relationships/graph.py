"""The support graph of one school or one student's neighbourhood.

Nodes are ``("student", student_id)`` and ``("adult", adult_id)``; edges run
student -> adult, one per pair, carrying every tie of the requested waves and
a summary for the current wave. District-wide counting never needs one big
graph (see :mod:`relationships.metrics`); build graphs per school or per
student where the question is structural.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationships import _core
from relationships.input_tables import (
    COLUMNS,
    SETTINGS,
    SOURCES,
    SUPPORT_TYPES,
    Tables,
    _codes,
)

__all__ = ["build_support_graph", "graph_tables", "school_structure", "staff_mark_ties"]


def staff_mark_ties(tables, *, wave=None):
    """Return the ties derived from staff ✓ (trusting) marks.

    Each mark becomes a tie with ``source="staff_mark"``, ``setting="school"``,
    no support types and no reliability; ``tie_id`` is NA (the mark, not a
    survey answer, is the record).

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, AdultRecord, StaffMarkRecord, to_frames
    >>> t = to_frames(students=[StudentRecord(1, 10, 4)],
    ...     adults=[AdultRecord(8, "staff", "teacher", staff_id=80)],
    ...     staff_marks=[StaffMarkRecord(80, 1, 1, trusting=True)])
    >>> staff_mark_ties(t)[["student_id", "adult_id", "source"]].to_dict("records")
    [{'student_id': 1, 'adult_id': 8, 'source': 'staff_mark'}]
    """
    m = tables.staff_marks
    m = m.loc[m["trusting"].to_numpy(dtype=bool)]
    if wave is not None:
        m = m.loc[m["wave"] == wave]
    staff = tables.adults.dropna(subset=["staff_id"])
    lookup = pd.Series(staff["adult_id"].to_numpy(), index=staff["staff_id"].astype("int64"))
    adult = lookup.reindex(m["staff_id"].to_numpy()).to_numpy()
    ok = ~pd.isna(adult)
    spec = COLUMNS["ties"]
    data = {
        "tie_id": pd.array([pd.NA] * int(ok.sum()), dtype="Int64"),
        "student_id": m["student_id"].to_numpy()[ok], "adult_id": adult[ok].astype("int64"),
        "source": pd.Categorical(["staff_mark"] * int(ok.sum()), dtype=spec["source"]),
        "wave": m["wave"].to_numpy()[ok],
        **{k: np.zeros(int(ok.sum()), dtype=bool) for k in SUPPORT_TYPES},
        "frequency": pd.Categorical([None] * int(ok.sum()), dtype=spec["frequency"]),
        "reliability": pd.array([pd.NA] * int(ok.sum()), dtype="Int64"),
        "setting": pd.Categorical(["school"] * int(ok.sum()), dtype=spec["setting"]),
        "lives_with": pd.array([pd.NA] * int(ok.sum()), dtype="boolean"),
    }
    return pd.DataFrame(data)


def _subset(tables, student_ids, waves):
    students = tables.students.loc[tables.students["student_id"].isin(student_ids)]
    ties = tables.ties.loc[tables.ties["student_id"].isin(student_ids)]
    marks = tables.staff_marks.loc[tables.staff_marks["student_id"].isin(student_ids)]
    if waves is not None:
        ties = ties.loc[ties["wave"].isin(waves)]
        marks = marks.loc[marks["wave"].isin(waves)]
    cond = tables.conditions.loc[tables.conditions["student_id"].isin(student_ids)]
    staff_ids = marks["staff_id"].unique()
    adults = tables.adults.loc[tables.adults["adult_id"].isin(ties["adult_id"].unique())
                               | tables.adults["staff_id"].isin(staff_ids)]
    teach = tables.teaching.loc[tables.teaching["student_id"].isin(student_ids)]
    return Tables(students, adults, ties, marks, cond, teach)


def _row_dicts(frame):
    """Rows of ``frame`` as dicts of plain Python values, missing values as None."""
    columns = []
    for name in frame.columns:
        values = frame[name].astype(object).to_numpy(copy=True)
        values[frame[name].isna().to_numpy()] = None
        columns.append(values.tolist())
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _edge_summaries(ties, reliable, wave):
    """Return {(student_id, adult_id): summary dict} for the ties of ``wave`` (vectorised)."""
    cur = ties["wave"].to_numpy() == wave
    src = _codes(ties["source"], SOURCES)[cur]
    rel = ties["reliability"].to_numpy(dtype=float, na_value=np.nan)[cur]
    frame = pd.DataFrame({
        "s": ties["student_id"].to_numpy()[cur], "a": ties["adult_id"].to_numpy()[cur],
        **{name: src == j for j, name in enumerate(SOURCES)},
        **{k: ties[k].to_numpy(dtype=bool)[cur] for k in SUPPORT_TYPES},
        "reliable": reliable[cur], "reliability": np.nan_to_num(rel, nan=0),
        "setting": _codes(ties["setting"], SETTINGS)[cur],
    })
    frame["rel_setting"] = np.where(frame["reliable"], frame["setting"], -1)
    agg = frame.groupby(["s", "a"]).agg(
        **{c: (c, "any") for c in (*SOURCES, *SUPPORT_TYPES, "reliable")},
        reliability=("reliability", "max"), setting=("setting", "first"),
        rel_setting=("rel_setting", "max"))
    names = np.array(SETTINGS)
    setting = names[np.where(agg["rel_setting"] >= 0, agg["rel_setting"], agg["setting"])]
    srcs = [[name for name, on in zip(SOURCES, row, strict=True) if on]
            for row in agg[list(SOURCES)].to_numpy().tolist()]
    level = agg["reliability"].astype(int).tolist()
    cols = {k: agg[k].tolist() for k in (*SUPPORT_TYPES, "reliable")}
    agg = agg.reset_index()
    out = {}
    for i, key in enumerate(zip(agg["s"].tolist(), agg["a"].tolist(), strict=True)):
        sources = tuple(sorted(srcs[i]))
        out[key] = {**{k: cols[k][i] for k in cols}, "sources": sources,
                    "reliability": level[i] or None, "staff_only": sources == ("staff_mark",),
                    "current": True, "setting": str(setting[i])}
    return out


def _stale_summary(setting):
    return {**dict.fromkeys(SUPPORT_TYPES, False), "sources": (), "reliable": False,
            "reliability": None, "staff_only": False, "current": False, "setting": setting}


def build_support_graph(tables, *, school_id=None, student_ids=None, waves=None, wave=None,
                        min_reliability=3):
    """Return a DiGraph of students and adults for a school or a set of students.

    Parameters
    ----------
    tables : Tables
    school_id : int, optional
        Take the students of this school ...
    student_ids : iterable of int, optional
        ... or these students (and the adults they are tied to).
    waves : iterable of int, optional
        Keep ties and marks of these waves (default: all).
    wave : int, optional
        The wave the edge summaries describe (default: the latest present).
    min_reliability : int
        Reliability at or above which a tie is reliable.

    Returns
    -------
    G : networkx.DiGraph
        Student and adult nodes carry their record (``kind`` is "student"
        for students). Each edge carries ``tie_ids`` (survey ties of the
        pair, all waves) and for ``wave``: ``sources`` (staff ✓ marks as
        "staff_mark"), ``reliable``, ``reliability`` (max), ``staff_only``,
        ``current`` (any tie this wave), ``setting`` and the six support
        types. ``G.graph["tables"]`` holds the input rows of these students
        (read back with :func:`graph_tables`).

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> from relationships.input_tables import StaffMarkRecord
    >>> t = to_frames(students=[StudentRecord(1, 10, 4), StudentRecord(2, 11, 4)],
    ...     adults=[AdultRecord(8, "staff", "teacher", staff_id=80)],
    ...     ties=[TieRecord(1, 1, 8, "student_survey", 1, reliability=2, setting="school")],
    ...     staff_marks=[StaffMarkRecord(80, 1, 1, trusting=True)])
    >>> G = build_support_graph(t, school_id=10)
    >>> sorted(G.nodes)
    [('adult', 8), ('student', 1)]
    >>> e = G.edges[("student", 1), ("adult", 8)]
    >>> e["sources"], e["reliable"], e["staff_only"]
    (('staff_mark', 'student_survey'), True, False)
    """
    if school_id is not None:
        ids = tables.students.loc[tables.students["school_id"] == school_id, "student_id"]
    elif student_ids is not None:
        ids = pd.Series(list(student_ids), dtype="int64")
    else:
        ids = tables.students["student_id"]
    sub = _subset(tables, ids.unique(), None if waves is None else list(waves))
    wave = _core.current_wave(sub) if wave is None else wave
    import networkx as nx  # here, not at import: most callers never build a graph

    G = nx.DiGraph(school_id=school_id, wave=wave, min_reliability=min_reliability, tables=sub)
    _add_nodes(G, sub)
    reliable = _reliable_by_row(sub, min_reliability)
    ties = pd.concat([sub.ties.assign(_rel=reliable),
                      staff_mark_ties(sub).assign(_rel=False)], ignore_index=True)
    summaries = _edge_summaries(ties, ties["_rel"].to_numpy(dtype=bool), wave)
    by_pair = {}
    for key, tie_id, setting in zip(
            zip(ties["student_id"].tolist(), ties["adult_id"].tolist(), strict=True),
            ties["tie_id"].astype(object).where(ties["tie_id"].notna(), None).tolist(),
            ties["setting"].astype(str).tolist(), strict=True):
        by_pair.setdefault(key, ([], setting))[0].append(tie_id)
    G.add_edges_from(
        (("student", s), ("adult", a),
         {"tie_ids": tuple(i for i in ids if i is not None),
          **(summaries.get((s, a)) or _stale_summary(setting))})
        for (s, a), (ids, setting) in by_pair.items())
    return G


def _reliable_by_row(tables, min_reliability):
    """Reliable flag for every row of ``tables.ties`` (each wave judged on its own)."""
    out = np.zeros(len(tables.ties), dtype=bool)
    for w in pd.unique(tables.ties["wave"]):
        ctx = _core.build_context(tables, wave=int(w), min_reliability=min_reliability)
        out[ctx.t_rows] = ctx.t_reliable
    return out


def _add_nodes(G, sub):
    G.add_nodes_from((("student", r["student_id"]), {"kind": "student", **r})
                     for r in _row_dicts(sub.students))
    G.add_nodes_from((("adult", r["adult_id"]), {**r, "languages": tuple(r["languages"] or ())})
                     for r in _row_dicts(sub.adults))


def graph_tables(G):
    """Return the :class:`~relationships.input_tables.Tables` a support graph was built from.

    Restricted to the students and adults still in ``G`` (a copy; ``G`` is
    not changed).

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, to_frames
    >>> G = build_support_graph(to_frames(students=[StudentRecord(1, 10, 4)]))
    >>> graph_tables(G).students["student_id"].tolist()
    [1]
    """
    t = G.graph["tables"]
    students = [n[1] for n in G if n[0] == "student"]
    adults = [n[1] for n in G if n[0] == "adult"]
    keep = {
        "students": t.students["student_id"].isin(students),
        "adults": t.adults["adult_id"].isin(adults),
        "ties": t.ties["student_id"].isin(students) & t.ties["adult_id"].isin(adults),
        "staff_marks": t.staff_marks["student_id"].isin(students),
        "conditions": t.conditions["student_id"].isin(students),
        "teaching": t.teaching["student_id"].isin(students),
    }
    return Tables(**{k: getattr(t, k).loc[v].reset_index(drop=True) for k, v in keep.items()})


def school_structure(G):
    """Return structural measures of a school graph (reliable edges of the current wave).

    ``articulation_staff``: staff adults whose removal disconnects the
    reliable graph; ``sole_anchors``: staff adult id -> students for whom
    they are the only reliable school adult; ``isolated_students``: students
    with no reliable adult.

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> t = to_frames(students=[StudentRecord(1, 10, 4), StudentRecord(2, 10, 4)],
    ...     adults=[AdultRecord(8, "staff", "coach", staff_id=80)],
    ...     ties=[TieRecord(1, 1, 8, "student_survey", 1, reliability=4),
    ...           TieRecord(2, 2, 8, "student_survey", 1, reliability=4)])
    >>> school_structure(build_support_graph(t, school_id=10))["sole_anchors"]
    {8: 2}
    """
    import networkx as nx

    H = nx.Graph()
    H.add_nodes_from(G)
    H.add_edges_from((u, v) for u, v, r in G.edges(data="reliable") if r)
    staff = {n for n, k in G.nodes(data="kind") if k == "staff"}
    sole = {}
    for node, kind in G.nodes(data="kind"):
        if kind == "student":
            anchors = [a for a in H[node] if a in staff]
            if len(anchors) == 1:
                sole[anchors[0][1]] = sole.get(anchors[0][1], 0) + 1
    return {
        "articulation_staff": sorted(a[1] for a in nx.articulation_points(H) if a in staff),
        "sole_anchors": dict(sorted(sole.items())),
        "isolated_students": sorted(n[1] for n, k in G.nodes(data="kind")
                                    if k == "student" and H.degree(n) == 0),
    }
