"""The school map's groups and layout: everyone placed once, nothing on top of anything,
no label over another (checked against a plain all-pairs count), any school."""

from hypothesis import given, settings
from hypothesis import strategies as st

from relationships.graph import build_support_graph
from relationships.input_tables import AdultRecord, StudentRecord, TieRecord, to_frames
from relationships.school_layout import Box, label_overlaps, text_width
from relationships.school_view import staff_view

NAMES = st.text(alphabet=st.sampled_from("abcXYZ éà李王ـ- "), min_size=1, max_size=40)


def _pairs(boxes):
    """Every pair tried: the count the sweep must equal."""
    return sum(1 for i, a in enumerate(boxes) for b in boxes[i + 1:]
               if a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h)


@given(st.lists(st.tuples(*[st.integers(0, 60)] * 4), max_size=40))
def test_label_overlaps_counts_every_intersecting_pair(raw):
    boxes = [Box(x, y, w, h) for x, y, w, h in raw]
    assert label_overlaps(boxes) == _pairs(boxes)


@st.composite
def schools(draw):
    n_students = draw(st.integers(0, 60))
    n_staff = draw(st.integers(0, 12))
    students = [StudentRecord(s, 10, draw(st.integers(0, 12))) for s in range(1, n_students + 1)]
    adults = [AdultRecord(100 + a, "staff", "teacher", staff_id=500 + a, name=draw(NAMES))
              for a in range(n_staff)]
    adults.append(AdultRecord(99, "family", "grandparent", name="Nana"))
    ties, tid = [], 1
    for s in students:
        for a in draw(st.lists(st.integers(0, n_staff), max_size=3, unique=True)):
            adult = 99 if a == n_staff else 100 + a
            ties.append(TieRecord(tid, s.student_id, adult, "student_survey", 1,
                                  reliability=draw(st.integers(1, 4)),
                                  setting="home" if adult == 99 else "school"))
            tid += 1
    loads = {100 + a: draw(st.integers(0, 30)) for a in range(n_staff)}
    return to_frames(students, adults, ties), loads


def _footprint(node):
    half = node.get("size", 11) / 2
    return Box(node["x"] - half, node["y"] - half, 2 * half, 2 * half)


@settings(max_examples=60, deadline=None)
@given(schools(), st.sampled_from(["staff", "grade"]))
def test_every_student_once_nothing_overlaps(school, group_by):
    tables, loads = school
    G = build_support_graph(tables, school_id=10)
    data = staff_view(G, 10, {}, loads=loads, group_by=group_by)
    students = [n for n in data["nodes"] if n["group"] == "student"]
    assert len(students) == len(tables.students) == len(data["rows"])
    # Stars and squares never on top of one another.
    assert _pairs([_footprint(n) for n in data["nodes"] if n["group"] != "label"]) == 0
    # Labels: the kept width holds the estimate (or the cut), and no two boxes meet, nor
    # a label and a star or square.
    labels = [n for n in data["nodes"] if n.get("label")]
    boxes = [Box(n["lx"], n["ly"], n["w"], n["fs"] * 1.25) for n in labels]
    assert data["label_overlaps"] == _pairs(boxes) == 0
    for n in labels:
        assert n["w"] <= text_width(n["label"], n["fs"]) + 0.1
    marks = [_footprint(n) for n in data["nodes"] if n["group"] != "label"]
    assert _pairs(boxes + marks) == 0
    # The students with no reliable school adult are exactly the "alone" ones.
    lonely = {r["node"] for r in data["rows"] if r["school_adults"] == 0}
    assert {n["id"] for n in students if n.get("alone")} == lonely
    assert data["no_school_adult"] == len(lonely)
    if group_by == "staff":  # a student sits with a staff member they count on
        staff = {n["id"]: n for n in data["nodes"] if n["group"] == "staff"}
        ties = {(e["from"], e["to"]) for e in data["edges"]}
        for r in data["rows"]:
            if r["school_adults"]:
                head = next(a for a in staff.values() if a["label"] == r["group"]
                            and (r["node"], a["id"]) in ties)
                assert head is not None


@settings(max_examples=60, deadline=None)
@given(schools(), st.sampled_from(["staff", "grade"]), st.data())
def test_the_no_school_adult_block_is_the_flagged_students(school, group_by, data):
    """Told who the flag rules found with no adult at school (never a student with a
    reliable school tie) and who has no data yet, the first block is exactly the flagged
    students — the caseload's number — and every student still sits in one group."""
    tables, loads = school
    G = build_support_graph(tables, school_id=10)
    plain = staff_view(G, 10, {}, loads=loads, group_by=group_by)
    untied = [r["node"] for r in plain["rows"] if r["school_adults"] == 0]
    node_of = {f"n{i}": sid for i, sid in enumerate(tables.students["student_id"])}
    flagged = {node_of[n] for n in data.draw(st.lists(st.sampled_from(untied), unique=True))
               } if untied else set()
    rest = [n for n in untied if node_of[n] not in flagged]
    no_data = {node_of[n] for n in data.draw(st.lists(st.sampled_from(rest), unique=True))
               } if rest else set()
    view = staff_view(G, 10, {}, loads=loads, group_by=group_by, flagged=flagged,
                      no_data=no_data)
    students = [n for n in view["nodes"] if n["group"] == "student"]
    assert view["no_school_adult"] == len(flagged)
    assert {node_of[n["id"]] for n in students if n.get("alone")} == flagged
    assert all(r["group"] for r in view["rows"])  # each student in a group
    assert _pairs([_footprint(n) for n in view["nodes"] if n["group"] != "label"]) == 0
    assert view["label_overlaps"] == 0
    titles = [n["label"] for n in view["nodes"] if n["group"] == "label"]
    if group_by == "staff":
        assert titles[0] == f"No adult at school ({len(flagged)})"
        assert (f"No data yet ({len(no_data)})" in titles) == bool(no_data)
        by_group = {}
        for r in view["rows"]:
            by_group[r["group"]] = by_group.get(r["group"], 0) + 1
        assert by_group.get(titles[0], 0) == len(flagged)
