"""The school map a counselor reads: students and school staff only, in groups.

It answers "which students have no adult at school, and which staff carry the
most students alone?". Family and community adults are not drawn: each student
carries how many they have (in the tooltip and the table), and the student's own
map shows them. Everything is placed here (:mod:`relationships.school_layout`);
the browser only draws:

- ``group_by="staff"``: the students with no school adult in one labelled block
  down the left (given ``flagged``, exactly those the flag rules found, beside blocks
  for no data yet and for a school adult known only from staff or family); then one group per staff member (their square and name, then the
  students who share them), the staff many students rely on alone first and largest.
  A student with several school adults sits with the one most students share.
- ``group_by="grade"``: per grade a block of the students with no adult at school
  and one of the others (the first down the left), then the staff in one labelled block.

Only staff names and group titles are labels (students are named on hover, in the
table and by search); ties are listed (``edges``) but drawn only for the student
or staff member pointed at or found, so nothing is a hairball.

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
>>> [r["family"] for r in data["rows"]], data["no_school_adult"], data["label_overlaps"]
([0, 1], 1, 0)
"""

from __future__ import annotations

from relationships.maps import _legend, _node_label, _text
from relationships.school_layout import CELL, MAX_LABEL, Box, grid, label_overlaps, pack
from relationships.school_layout import text_width as _width

__all__ = ["GROUPINGS", "staff_view"]

GROUPINGS = ("staff", "grade")
TITLE = 16  # px: group titles
NAME = 13  # px: staff names
LINE = 1.25  # a label box is this many font sizes tall


class _Group:
    """One block of the map: a title and/or staff squares, then student cells.
    Coordinates are relative to its top-left corner until :meth:`place`."""

    def __init__(self):
        self.w = self.h = 0.0
        self.labels, self.staff, self.students = [], [], []

    def title(self, text, size, y=0.0, x=0.0):
        w = min(_width(text, size), 3 * MAX_LABEL)
        self.labels.append({"label": text, "lx": x, "ly": y, "w": w, "fs": size})
        self.w = max(self.w, x + w)
        self.h = max(self.h, y + size * LINE)

    def cells(self, students, top, min_width=0.0):
        cols, rows = grid(len(students), max(min_width, self.w))
        for i, s in enumerate(students):
            self.students.append((s, CELL / 2 + CELL * (i % cols),
                                  top + CELL / 2 + CELL * (i // cols)))
        self.w = max(self.w, cols * CELL)
        self.h = max(self.h, top + rows * CELL)

    def place(self, x0, y0):
        for label in self.labels + [lab for *_a, lab in self.staff]:
            label["lx"], label["ly"] = _r(label["lx"] + x0), _r(label["ly"] + y0)
        self.staff = [(a, x + x0, y + y0, lab) for a, x, y, lab in self.staff]
        self.students = [(s, x + x0, y + y0) for s, x, y in self.students]


def _word(labels, key, default):
    return str(labels.get(key, default))


def _r(v):
    return round(float(v), 1)


def _square(load):
    return 10 + 2 * min(load, 10)


def _staff_entry(group, a, name, load, x, y):
    """A staff member's square at (x, y) (top-left) with their name to its right."""
    q = _square(load)
    h = max(q, NAME * LINE)
    lw = min(_width(name, NAME), MAX_LABEL)
    label = {"lx": x + q + 6, "ly": y + (h - NAME * LINE) / 2, "w": lw, "fs": NAME}
    group.staff.append((a, x + q / 2, y + h / 2, label))
    group.w = max(group.w, x + q + 6 + lw)
    group.h = max(group.h, y + h)
    return h


def _ties(G, school_id):
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
                edges.append((s, v))  # only ties the student can count on
                mine["reliable_staff"] += 1
        counts[s] = mine
    return students, edges, counts


def _blocks(alone, apart, labels):
    """The titled blocks down the left: no adult at school, then (when the caller says
    who is flagged) the students with no data yet and those whose school adult is known
    only from a staff ✓ or the family's answers (no tie of their own on this map)."""
    yield alone, _word(labels, "group_alone", "No adult at school")
    unknown, known = apart
    yield unknown, _word(labels, "group_no_data", "No data yet")
    yield known, _word(labels, "group_marked", "With an adult at school, known from staff or family")


def _by_staff(G, students, edges, alone, loads, names, labels, apart=((), ())):
    shared = {}
    for _s, v in edges:
        shared[v] = shared.get(v, 0) + 1
    staff = sorted(shared, key=lambda a: (-loads.get(a[1], 0), -shared[a], names[a], a[1]))
    rank = {a: i for i, a in enumerate(staff)}
    mine = {}
    for s, v in edges:  # each student with the staff member most students share
        if s not in mine or rank[v] < rank[mine[s]]:
            mine[s] = v
    groups = []
    for i, (who, title) in enumerate(_blocks(alone, apart, labels)):
        if who or i == 0:  # the first question's block is shown even when empty
            block = _Group()
            block.title(f"{title} ({len(who)})", TITLE)
            block.cells(who, TITLE * LINE + 4)
            groups.append(block)
    members = {a: [] for a in staff}
    placed = {*alone, *apart[0], *apart[1]}
    for s in students:
        if s in mine and s not in placed:
            members[mine[s]].append(s)
    for a in staff:
        g = _Group()
        h = _staff_entry(g, a, names[a], loads.get(a[1], 0), 0.0, 0.0)
        g.cells(members[a], h + 4)
        groups.append(g)
    return groups, staff


def _by_grade(G, students, edges, alone, loads, names, labels, apart=((), ())):
    staff = sorted({v for _s, v in edges},
                   key=lambda a: (-loads.get(a[1], 0), names[a], a[1]))
    block = _Group()
    block.title(f'{_word(labels, "group_staff", "School staff")} ({len(staff)})', TITLE)
    entry_w = max([_square(loads.get(a[1], 0)) + 6 + min(_width(names[a], NAME), MAX_LABEL)
                   for a in staff] or [0]) + 12
    entry_h = max([_square(loads.get(a[1], 0)) for a in staff] + [NAME * LINE]) + 6
    cols = max(1, round((len(staff) * entry_h / max(entry_w, 1)) ** 0.5))
    top = TITLE * LINE + 6
    for i, a in enumerate(staff):
        _staff_entry(block, a, names[a], loads.get(a[1], 0), entry_w * (i % cols),
                     top + entry_h * (i // cols))
    groups = []
    grades = sorted({G.nodes[s].get("grade") for s in students},
                    key=lambda g: (g is None, g if g is not None else 0))
    lonely, unknown = set(alone), set(apart[0])
    defaults = {"grade_alone": "%(grade)s: no adult at school",
                "grade_no_data": "%(grade)s: no data yet",
                "grade_with": "%(grade)s: with an adult at school"}
    for grade in grades:
        name = str(labels.get("grades", {}).get(grade, grade if grade is not None else "—"))
        mine = [s for s in students if G.nodes[s].get("grade") == grade]
        for who, fmt in (([s for s in mine if s in lonely], "grade_alone"),
                         ([s for s in mine if s in unknown], "grade_no_data"),
                         ([s for s in mine if s not in lonely and s not in unknown],
                          "grade_with")):
            if not who:
                continue
            g = _Group()
            default = defaults[fmt]
            g.title(f'{_word(labels, fmt, default) % {"grade": name}} ({len(who)})', 14)
            g.cells(who, 14 * LINE + 4)
            groups.append(g)
    return [*groups, block], staff


def staff_view(G, school_id, labels, *, loads=None, group_by="staff",
               group_label=None, flagged=None, no_data=None):
    """Map data (nodes, edges, legend, rows, ...) of one school's students and staff.

    ``flagged`` / ``no_data``: student ids the flag rules found with no adult at school
    and with no data yet (:func:`relationships.evaluate`). Given, the "no adult at school"
    block is exactly the flagged students, so the map and the caseload give one number;
    students without a tie on this map who are neither (a staff ✓, a staff member the
    family named) get a block of their own, and so do those with no data yet. Not given,
    every student without a reliable school tie on the map counts as having none.

    ``loads``: adult id -> students for whom that staff member is the only reliable
    school adult. ``group_by``: ``"staff"`` or ``"grade"`` (see the module). ``rows``
    has one row per student with counts of family and community adults, for the
    table. ``label_overlaps``: pairs of label boxes that intersect (estimated sizes).
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}, not {group_by!r}")
    if group_label is not None:
        labels = {**labels, "group_alone": group_label}
    loads = loads or {}
    students, edges, counts = _ties(G, school_id)
    names = {v: _node_label(G, v, labels) for _s, v in edges}
    def in_order(who):
        return sorted(who, key=lambda s: (G.nodes[s].get("grade") or 0, s[1]))

    untied = [s for s in students if not counts[s]["reliable_staff"]]
    if flagged is None:
        alone, apart = in_order(untied), ((), ())
    else:
        flagged, no_data = set(flagged), set(no_data or ())
        alone = in_order(s for s in students if s[1] in flagged)
        unknown = in_order(s for s in untied if s[1] in no_data and s[1] not in flagged)
        known = in_order(s for s in untied if s[1] not in flagged and s[1] not in no_data)
        apart = (unknown, known)
    make = _by_staff if group_by == "staff" else _by_grade
    groups, staff = make(G, students, edges, alone, loads, names, labels, apart)
    for g, (x, y) in zip(groups, pack([(g.w, g.h) for g in groups]), strict=True):
        g.place(x, y)
    return _output(G, labels, students, staff, edges, counts, alone, groups, loads,
                   group_by)


def _output(G, labels, students, staff, edges, counts, alone, groups, loads, group_by):
    xy, staff_labels, group_of = {}, {}, {}
    for g in groups:
        title = g.labels[0]["label"] if g.labels else None
        for a, x, y, label in g.staff:
            xy[a], staff_labels[a] = (x, y), label
            title = title or _node_label(G, a, labels)
        for s, x, y in g.students:
            xy[s] = (x, y)
            group_of[s] = title
    ids = {n: f"n{i}" for i, n in enumerate(students + staff)}
    lonely = set(alone)
    nodes = []
    fmt = labels.get("counts", {}).get("format")
    for s in students:
        name = _node_label(G, s, labels)
        c = counts[s]
        title = name + (" — " + fmt % {"staff": c["reliable_staff"], "family": c["family"],
                                       "community": c["community"]} if fmt else "")
        node = {"id": ids[s], "group": "student", "title": title,
                "x": _r(xy[s][0]), "y": _r(xy[s][1])}
        if s in lonely:
            node["alone"] = 1
        nodes.append(node)
    for a in staff:
        name = _node_label(G, a, labels)
        role = _text(labels, "roles", G.nodes[a]["role"])
        label = staff_labels[a]
        node = {"id": ids[a], "group": "staff", "label": name, "title": f"{name} — {role}",
                "x": _r(xy[a][0]), "y": _r(xy[a][1]), "size": _square(loads.get(a[1], 0)),
                "lx": _r(label["lx"]), "ly": _r(label["ly"]), "w": _r(label["w"]),
                "fs": label["fs"]}
        if loads.get(a[1], 0):
            node["anchor_load"] = loads[a[1]]
        nodes.append(node)
    for i, label in enumerate(lab for g in groups for lab in g.labels):
        nodes.append({"id": f"g{i}", "group": "label", "label": label["label"],
                      "lx": label["lx"], "ly": label["ly"], "w": _r(label["w"]),
                      "fs": label["fs"]})
    boxes = [Box(n["lx"], n["ly"], n["w"], n["fs"] * LINE) for n in nodes if "lx" in n]
    rows = [{"node": ids[s], "name": _node_label(G, s, labels),
             "grade": G.nodes[s].get("grade"), "school_adults": counts[s]["reliable_staff"],
             "family": counts[s]["family"], "community": counts[s]["community"],
             "group": group_of.get(s)}
            for s in students]
    return {"nodes": nodes,
            "edges": [{"from": ids[u], "to": ids[v]} for u, v in edges],
            "legend": _legend({"student", "staff"}, set(), labels),
            "rows": rows, "no_school_adult": len(alone), "group_by": group_by,
            "label_overlaps": label_overlaps(boxes)}
