"""The school map a counselor reads: students and school staff only.

It answers "which students have no adult at school, and which staff carry the
most students alone?". Family and community adults are not drawn: each student
carries how many they have (in the tooltip and the table), and the student's own
map shows them. The layout is worked out here (physics off in the browser):

- staff on a ring, the ones many students rely on alone first and largest;
- each student beside the staff they count on (students who share a staff
  member sit together), pulled towards the centre when they have several;
- students with no school adult in one labelled block apart, by grade.

Examples
--------
>>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
>>> from relationships.graph import build_support_graph
>>> t = to_frames(students=[StudentRecord(5, 10, 4), StudentRecord(6, 10, 4)],
...     adults=[AdultRecord(9, "staff", "teacher", staff_id=90, name="Ms Lee"),
...             AdultRecord(7, "family", "grandparent", name="Nana")],
...     ties=[TieRecord(1, 5, 9, "student_survey", 1, reliability=4, setting="school"),
...           TieRecord(2, 6, 7, "student_survey", 1, reliability=4, setting="home")])
>>> data = staff_view(build_support_graph(t, school_id=10), 10, {}, loads={9: 1})
>>> sorted(n["group"] for n in data["nodes"])
['label', 'staff', 'student', 'student']
>>> [r["family"] for r in data["rows"]], data["no_school_adult"]
([0, 1], 1)
"""

from __future__ import annotations

import copy
import math

from relationships.maps import OPTIONS, _edge, _edge_style, _legend, _node, _node_label, _text

__all__ = ["staff_view"]

ANCHOR_COLOUR = "#b00020"


def staff_view(G, school_id, labels, *, loads=None, group_label="No adult at school"):
    """Map data (nodes, edges, options, legend, rows) of one school's students and staff.

    ``loads``: adult id -> students for whom that staff member is the only reliable
    school adult. ``rows`` has one row per student with counts of family and
    community adults, for the table beside the drawing.
    """
    loads = loads or {}
    students = [n for n, d in G.nodes(data=True)
                if d["kind"] == "student" and d.get("school_id") == school_id]
    edges, counts = [], {}
    for s in students:
        mine = {"family": 0, "community": 0, "staff": 0, "reliable_staff": 0}
        for v in G.successors(s):
            if not G.edges[s, v]["current"]:
                continue
            kind = G.nodes[v]["kind"]
            mine[kind] += 1
            if kind == "staff" and G.edges[s, v]["reliable"]:
                edges.append((s, v))  # only ties the student can count on are drawn
                mine["reliable_staff"] += 1
        counts[s] = mine
    staff = sorted({v for _s, v in edges}, key=lambda a: (-loads.get(a[1], 0),
                                                          str(G.nodes[a].get("name")), a[1]))
    xy = {a: (700 * math.cos(2 * math.pi * i / max(len(staff), 1)),
              700 * math.sin(2 * math.pi * i / max(len(staff), 1)))
          for i, a in enumerate(staff)}
    alone = sorted((s for s in students if not counts[s]["reliable_staff"]),
                   key=lambda s: (G.nodes[s].get("grade", 0), s[1]))
    placed = {}
    for s in students:
        mine = [xy[v] for v in G.successors(s) if v in xy]
        if s in alone:
            continue
        k = len(mine)
        x = sum(p[0] for p in mine) / k
        y = sum(p[1] for p in mine) / k
        pull = 0.92 if k == 1 else 0.7  # one staff member: beside them; several: inwards
        jitter = (s[1] * 2654435761 % 997) / 997 * 2 * math.pi  # the same in every process
        placed[s] = (x * pull + 38 * math.cos(jitter), y * pull + 38 * math.sin(jitter))
    xy.update(placed)
    side = max(int(math.ceil(math.sqrt(len(alone)))), 1)
    left = 1000
    for i, s in enumerate(alone):
        xy[s] = (left + 28 * (i % side), -500 + 28 * (i // side))
    nodes = students + staff
    ids = {n: f"n{i}" for i, n in enumerate(nodes)}
    out_nodes = []
    for n in nodes:
        node = _node(G, n, ids[n], labels, xy.get(n))
        if n in counts:
            c = counts[n]
            node["label"] = ""  # names on hover, in the table and by search
            node["size"] = 7
            if "counts" in labels:  # "%(staff)d at school, %(family)d in the family, ..."
                node["title"] += " — " + _text(labels, "counts", "format") % {
                    "staff": c["reliable_staff"], "family": c["family"],
                    "community": c["community"]}
            if n in alone:
                node["color"] = ANCHOR_COLOUR
        else:
            load = loads.get(n[1], 0)
            node["size"] = 10 + 2 * min(load, 15)
            if load:
                node["anchor_load"] = load
                node["borderWidth"] = 4
                node["color"] = {"background": node["color"], "border": ANCHOR_COLOUR}
        out_nodes.append(node)
    if alone:
        out_nodes.append({"id": "group-alone", "label": f"{group_label} ({len(alone)})",
                          "title": f"{group_label} ({len(alone)})",
                          "shape": "text", "group": "label", "physics": False,
                          "x": left + 14 * side, "y": -560, "font": {"size": 22}})
    rows = [{"node": ids[s], "name": _node_label(G, s, labels),
             "grade": G.nodes[s].get("grade"), "school_adults": counts[s]["reliable_staff"],
             "family": counts[s]["family"], "community": counts[s]["community"]}
            for s in students]
    styles = {_edge_style(G.edges[e]) for e in edges}
    return {"nodes": out_nodes,
            "edges": [_edge(G, u, v, ids, labels, f"e{i}") for i, (u, v) in enumerate(edges)],
            "options": copy.deepcopy(OPTIONS),
            "legend": _legend({"student", "staff"}, styles, labels),
            "rows": rows, "no_school_adult": len(alone)}
