"""Map data for vis-network: plain JSON-able nodes, edges, options, legend and rows.

Nothing here writes files or HTML. Node ids are opaque (``"n0"``, ``"n1"``,
...): never database ids or names. Names and labels are plain text (the page
renders them with ``|tojson`` and vis-network draws them as text), and
``title`` tooltips are plain strings. Labels come in already translated::

    labels = {"roles": {"teacher": "Teacher", ...}, "sources": {...},
              "kinds": {"student": "Student", "staff": "School adult", ...},
              "students": {student_id: "Ana"},
              "edges": {"reliable": "...", "unsure": "...", "staff_only": "..."}}

Any missing label falls back to its code.
"""

from __future__ import annotations

import copy
import math

import numpy as np

__all__ = ["OPTIONS", "ego_map", "school_map"]

_SHAPES = {"student": "star", "family": "dot", "community": "triangle", "staff": "square"}
_COLOURS = {"student": "#1f77b4", "family": "#2ca02c", "community": "#9467bd",
            "staff": "#ff7f0e"}
_EDGE_COLOURS = {"reliable": "#333333", "unsure": "#999999", "staff_only": "#ff7f0e"}
_WIDTH = {None: 1, 1: 1, 2: 2, 3: 4, 4: 6}
OPTIONS = {
    "physics": {"enabled": False},
    "interaction": {"hover": True, "tooltipDelay": 100},
    "edges": {"smooth": False, "arrows": {"to": {"enabled": False}}},
    "nodes": {"font": {"size": 14}},
}


def _text(labels, group, key):
    return str(labels.get(group, {}).get(key, key))


def _node_label(G, node, labels):
    data = G.nodes[node]
    if data["kind"] == "student":
        return _text(labels, "students", node[1]) if node[1] in labels.get("students", {}) \
            else _text(labels, "kinds", "student")
    return str(data.get("name") or _text(labels, "roles", data.get("role")))


def _node(G, node, nid, labels, xy):
    data = G.nodes[node]
    kind = data["kind"]
    label = _node_label(G, node, labels)
    role = _text(labels, "roles", data["role"]) if kind != "student" else ""
    title = f"{label} — {role}" if role else label
    out = {"id": nid, "label": label, "title": title, "shape": _SHAPES[kind],
           "color": _COLOURS[kind], "group": kind, "physics": False}
    if xy is not None:
        out["x"], out["y"] = round(float(xy[0]), 1), round(float(xy[1]), 1)
    return out


def _edge_style(data):
    if data["staff_only"]:
        return "staff_only"
    return "reliable" if data["reliable"] else "unsure"


def _edge(G, u, v, ids, labels, eid):
    data = G.edges[u, v]
    style = _edge_style(data)
    sources = [_text(labels, "sources", s) for s in data["sources"]]
    return {"id": eid, "from": ids[u], "to": ids[v], "width": _WIDTH[data["reliability"]],
            "dashes": style == "staff_only", "color": _EDGE_COLOURS[style],
            "title": ", ".join(sources) + " — " + _text(labels, "edges", style)}


def _legend(kinds, styles, labels):
    items = [{"key": k, "label": _text(labels, "kinds", k), "shape": _SHAPES[k],
              "color": _COLOURS[k]} for k in _SHAPES if k in kinds]
    items += [{"key": s, "label": _text(labels, "edges", s), "color": _EDGE_COLOURS[s],
               "dashes": s == "staff_only"} for s in _EDGE_COLOURS if s in styles]
    return items


def _current_edges(G, nodes=None):
    edges = G.edges(nodes, data="current") if nodes is not None else G.edges(data="current")
    return [(u, v) for u, v, cur in edges if cur]


def ego_map(G, student_id, labels):
    """Return map data for one student and the adults they are tied to this wave.

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> from relationships.graph import build_support_graph
    >>> t = to_frames(students=[StudentRecord(5, 10, 4)],
    ...     adults=[AdultRecord(9, "family", "grandparent", name="<b>Nana</b>")],
    ...     ties=[TieRecord(1, 5, 9, "student_survey", 1, reliability=4, setting="home")])
    >>> data = ego_map(build_support_graph(t), 5, {"roles": {"grandparent": "Grandparent"}})
    >>> [(n["id"], n["label"]) for n in data["nodes"]]
    [('n0', 'student'), ('n1', '<b>Nana</b>')]
    >>> data["edges"][0]["width"], data["rows"][0]["role"]
    (6, 'Grandparent')
    """
    centre = ("student", student_id)
    if centre not in G:
        raise ValueError(f"student {student_id} is not in the graph")
    edges = _current_edges(G, [centre])
    nodes = [centre] + [v for _u, v in edges]
    ids = {n: f"n{i}" for i, n in enumerate(nodes)}
    step = 2 * math.pi / max(len(nodes) - 1, 1)
    xy = {centre: (0.0, 0.0)}
    xy.update({n: (250 * math.cos(i * step), 250 * math.sin(i * step))
               for i, n in enumerate(nodes[1:])})
    out_edges = [_edge(G, u, v, ids, labels, f"e{i}") for i, (u, v) in enumerate(edges)]
    rows = [{"node": ids[v], "name": _node_label(G, v, labels),
             "role": _text(labels, "roles", G.nodes[v]["role"]),
             "sources": [_text(labels, "sources", s) for s in G.edges[u, v]["sources"]],
             "reliability": G.edges[u, v]["reliability"], "reliable": G.edges[u, v]["reliable"],
             "support": [k for k in ("emotional", "academic", "practical", "appraisal",
                                     "future", "emergency") if G.edges[u, v][k]]}
            for u, v in edges]
    kinds = {G.nodes[n]["kind"] for n in nodes}
    styles = {_edge_style(G.edges[e]) for e in edges}
    return {"nodes": [_node(G, n, ids[n], labels, xy[n]) for n in nodes], "edges": out_edges,
            "options": copy.deepcopy(OPTIONS), "legend": _legend(kinds, styles, labels),
            "rows": rows}


def _school_layout(G, students, edges):
    """Shared adults on a ring, students near them, unconnected students apart."""
    rng = np.random.default_rng(0)
    adults = [n for n in G if n[0] == "adult"]
    degree = {a: G.in_degree(a) for a in adults}
    shared = [a for a in adults if degree[a] > 1 or G.nodes[a]["kind"] == "staff"]
    xy = {}
    for i, a in enumerate(shared):
        angle = 2 * math.pi * i / max(len(shared), 1)
        xy[a] = (600 * math.cos(angle), 600 * math.sin(angle))
    alone, outer = [], []
    for s in students:
        anchors = [xy[v] for v in G.successors(s) if v in xy]
        if anchors:
            x, y = np.mean(anchors, axis=0) * 0.8 + rng.normal(0, 25, 2)
            xy[s] = (x, y)
        elif G.out_degree(s):
            outer.append(s)
        else:
            alone.append(s)
    for i, s in enumerate(outer):
        angle = 2 * math.pi * i / len(outer)
        xy[s] = (1000 * math.cos(angle), 1000 * math.sin(angle))
    side = max(int(math.sqrt(len(alone))), 1)
    for i, s in enumerate(alone):
        xy[s] = (1300 + 40 * (i % side), -600 + 40 * (i // side))
    for a in adults:
        if a not in xy:
            owners = [xy[s] for s in G.predecessors(a) if s in xy] or [(0.0, 0.0)]
            x, y = np.mean(owners, axis=0)
            xy[a] = (x + rng.normal(0, 40), y + rng.normal(0, 40))
    return xy


def school_map(G, school_id, labels):
    """Return map data for a school graph, with a precomputed layout (physics off).

    Students without ties are placed apart, in a grid to the right. ``rows``
    has one row per student for the accessible table.

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> from relationships.graph import build_support_graph
    >>> t = to_frames(students=[StudentRecord(5, 10, 4), StudentRecord(6, 10, 4)],
    ...     adults=[AdultRecord(9, "staff", "teacher", staff_id=90, name="Ms Lee")],
    ...     ties=[TieRecord(1, 5, 9, "student_survey", 1, reliability=4, setting="school")])
    >>> data = school_map(build_support_graph(t, school_id=10), 10, {})
    >>> [n["id"] for n in data["nodes"]], data["options"]["physics"]["enabled"]
    (['n0', 'n1', 'n2'], False)
    >>> [r["reliable"] for r in data["rows"]]
    [1, 0]
    """
    students = [n for n, d in G.nodes(data=True)
                if d["kind"] == "student" and d.get("school_id") == school_id]
    edges = [(u, v) for u, v in _current_edges(G, students)]
    nodes = students + sorted({v for _u, v in edges}, key=lambda n: n[1])
    ids = {n: f"n{i}" for i, n in enumerate(nodes)}
    import networkx as nx  # here, not at import: most callers never draw a map

    H = nx.DiGraph()
    H.add_nodes_from((n, G.nodes[n]) for n in nodes)
    H.add_edges_from(edges)
    xy = _school_layout(H, students, edges)
    rows = [{"node": ids[s], "name": _node_label(G, s, labels),
             "adults": H.out_degree(s),
             "reliable": sum(1 for v in H.successors(s) if G.edges[s, v]["reliable"]),
             "school_adults": sum(1 for v in H.successors(s) if G.edges[s, v]["reliable"]
                                  and G.nodes[v]["kind"] == "staff")}
            for s in students]
    kinds = {G.nodes[n]["kind"] for n in nodes}
    styles = {_edge_style(G.edges[e]) for e in edges}
    return {"nodes": [_node(G, n, ids[n], labels, xy.get(n)) for n in nodes],
            "edges": [_edge(G, u, v, ids, labels, f"e{i}") for i, (u, v) in enumerate(edges)],
            "options": copy.deepcopy(OPTIONS), "legend": _legend(kinds, styles, labels),
            "rows": rows}
