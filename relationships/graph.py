"""The support graph of one school or one student's neighbourhood.

Nodes are ``("student", student_id)`` and ``("adult", adult_id)``; edges run
student -> adult, one per pair, carrying every tie of the requested waves and
a summary for the current wave. District-wide counting never needs one big
graph (see :mod:`relationships.metrics`); build graphs per school or per
student where the question is structural.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from relationships import _core
from relationships.records import COLUMNS, SUPPORT_TYPES, Tables, empty_frame

__all__ = ["build_support_graph", "graph_tables", "school_structure", "staff_mark_ties"]


def staff_mark_ties(tables, *, wave=None):
    """Return the ties derived from staff ✓ (trusting) marks.

    Each mark becomes a tie with ``source="staff_mark"``, ``setting="school"``,
    no support types and no reliability; ``tie_id`` is NA (the mark, not a
    survey answer, is the record).

    Examples
    --------
    >>> from relationships.records import StudentRecord, AdultRecord, StaffMarkRecord, to_frames
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
    st = tables.students.loc[tables.students["student_id"].isin(student_ids)]
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
    return Tables(st, adults, ties, marks, cond, teach)


def _records(frame):
    return [{k: (None if v is pd.NA or v != v else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def _edge_summary(ties, reliable, wave):
    cur = [t for t, r in zip(ties, reliable, strict=True) if t["wave"] == wave]
    rel = [t for t, r in zip(ties, reliable, strict=True) if t["wave"] == wave and r]
    sources = sorted({t["source"] for t in cur})
    levels = [t["reliability"] for t in cur if t["reliability"] is not None]
    summary = {k: any(t[k] for t in cur) for k in SUPPORT_TYPES}
    summary.update(
        ties=tuple(ties), sources=tuple(sources), reliable=bool(rel),
        reliability=max(levels) if levels else None, staff_only=sources == ["staff_mark"],
        current=bool(cur), setting=(rel or cur or ties)[0]["setting"],
    )
    return summary


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
        Student nodes carry their record, ``conditions``, ``marks`` and
        ``teachers``; adult nodes their record. Each edge carries ``ties``
        (every tie of the pair, staff ✓ marks as ``source="staff_mark"``),
        and for ``wave``: ``sources``, ``reliable``, ``reliability`` (max),
        ``staff_only``, ``current``, ``setting`` and the six support types.

    Examples
    --------
    >>> from relationships.records import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> from relationships.records import StaffMarkRecord
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
    G = nx.DiGraph(school_id=school_id, wave=wave, min_reliability=min_reliability)
    _add_nodes(G, sub)
    reliable = _reliable_by_row(sub, min_reliability)
    ties = pd.concat([sub.ties.assign(_rel=reliable),
                      staff_mark_ties(sub).assign(_rel=False)], ignore_index=True)
    by_pair = {}
    for rec in _records(ties):
        by_pair.setdefault((rec["student_id"], rec["adult_id"]), []).append(rec)
    for (s, a), recs in by_pair.items():
        flags = [r.pop("_rel") for r in recs]
        G.add_edge(("student", s), ("adult", a), **_edge_summary(recs, flags, wave))
    return G


def _reliable_by_row(tables, min_reliability):
    """Reliable flag for every row of ``tables.ties`` (each wave judged on its own)."""
    out = np.zeros(len(tables.ties), dtype=bool)
    for w in pd.unique(tables.ties["wave"]):
        ctx = _core.build_context(tables, wave=int(w), min_reliability=min_reliability)
        out[ctx.t_rows] = ctx.t_reliable
    return out


def _add_nodes(G, sub):
    marks = {s: [] for s in sub.students["student_id"]}
    for rec in _records(sub.staff_marks):
        marks[rec["student_id"]].append(rec)
    cond = {s: [] for s in marks}
    for rec in _records(sub.conditions):
        cond[rec["student_id"]].append(rec)
    teachers = sub.teaching.groupby("student_id")["staff_id"].agg(list).to_dict()
    for rec in _records(sub.students):
        s = rec["student_id"]
        G.add_node(("student", s), kind="student", **rec, marks=tuple(marks[s]),
                   conditions=tuple(cond[s]), teachers=tuple(teachers.get(s, ())))
    for rec in _records(sub.adults):
        rec["languages"] = tuple(rec["languages"] or ())
        G.add_node(("adult", rec["adult_id"]), **rec)


def graph_tables(G):
    """Return the :class:`~relationships.records.Tables` a support graph holds.

    Examples
    --------
    >>> from relationships.records import StudentRecord, to_frames
    >>> G = build_support_graph(to_frames(students=[StudentRecord(1, 10, 4)]))
    >>> graph_tables(G).students["student_id"].tolist()
    [1]
    """
    rows = {name: [] for name in COLUMNS}
    for node, data in G.nodes(data=True):
        if node[0] == "student":
            rows["students"].append(data)
            rows["staff_marks"].extend(data["marks"])
            rows["conditions"].extend(data["conditions"])
            rows["teaching"].extend({"staff_id": t, "student_id": node[1]}
                                    for t in data["teachers"])
        else:
            rows["adults"].append(data)
    for _s, _a, ties in G.edges(data="ties"):
        rows["ties"].extend(t for t in ties if t["source"] != "staff_mark")
    return Tables(**{name: _typed(name, recs) for name, recs in rows.items()})


def _typed(name, recs):
    if not recs:
        return empty_frame(name)
    spec = COLUMNS[name]
    data = {c: pd.Series([pd.NA if r.get(c) is None else r[c] for r in recs],
                         dtype=d if d != "object" else object) for c, d in spec.items()}
    return pd.DataFrame(data)


def school_structure(G):
    """Return structural measures of a school graph (reliable edges of the current wave).

    ``articulation_staff``: staff adults whose removal disconnects the
    reliable graph; ``sole_anchors``: staff adult id -> students for whom
    they are the only reliable school adult; ``isolated_students``: students
    with no reliable adult.

    Examples
    --------
    >>> from relationships.records import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> t = to_frames(students=[StudentRecord(1, 10, 4), StudentRecord(2, 10, 4)],
    ...     adults=[AdultRecord(8, "staff", "coach", staff_id=80)],
    ...     ties=[TieRecord(1, 1, 8, "student_survey", 1, reliability=4),
    ...           TieRecord(2, 2, 8, "student_survey", 1, reliability=4)])
    >>> school_structure(build_support_graph(t, school_id=10))["sole_anchors"]
    {8: 2}
    """
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
