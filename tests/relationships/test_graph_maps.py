"""Support graph, structure and map data."""

import json

from relationships.graph import build_support_graph, graph_tables, school_structure
from relationships.input_tables import AdultRecord, StudentRecord, TieRecord, to_frames
from relationships.maps import ego_map, school_map

XSS = '<img src=x onerror=alert(1)> href="javascript:x"'


def tables():
    students = [StudentRecord(s, 10, 4) for s in (1, 2, 3)] + [StudentRecord(4, 11, 4)]
    adults = [AdultRecord(7, "family", "grandparent", name=XSS),
              AdultRecord(8, "staff", "teacher", staff_id=80, name="Ms Lee")]
    ties = [TieRecord(1, 1, 7, "student_survey", 1, reliability=4, setting="home"),
            TieRecord(2, 1, 8, "student_survey", 1, reliability=2, setting="school"),
            TieRecord(3, 2, 8, "family_survey", 1, reliability=3, setting="school"),
            TieRecord(4, 4, 8, "student_survey", 1, reliability=4, setting="school")]
    return to_frames(students, adults, ties)


def test_graph_per_school_and_round_trip():
    t = tables()
    G = build_support_graph(t, school_id=10)
    assert ("student", 4) not in G
    assert G.number_of_edges() == 3
    back = graph_tables(G)
    assert sorted(back.ties["tie_id"]) == [1, 2, 3]
    assert build_support_graph(t, student_ids=[4]).number_of_nodes() == 2


def test_structure_finds_sole_anchor_and_isolated():
    G = build_support_graph(tables(), school_id=10)
    s = school_structure(G)
    assert s["sole_anchors"] == {8: 1}
    assert s["isolated_students"] == [3]


def test_maps_are_json_with_opaque_ids_and_plain_names():
    G = build_support_graph(tables(), school_id=10)
    for data in (ego_map(G, 1, {"kinds": {"student": "Élève"}}), school_map(G, 10, {})):
        text = json.dumps(data)
        ids = [n["id"] for n in data["nodes"]] + [e["id"] for e in data["edges"]]
        assert all(i[0] in "ne" and i[1:].isdigit() for i in ids)
        assert "Ms Lee" not in ids
        assert "80" not in "".join(ids)
        assert data["options"]["physics"]["enabled"] is False
        assert json.loads(text) == data
    ego = ego_map(G, 1, {})
    names = [n["label"] for n in ego["nodes"]]
    assert XSS in names  # kept verbatim as plain text, never markup
    assert all(isinstance(n["title"], str) for n in ego["nodes"])
    widths = sorted(e["width"] for e in ego["edges"])
    assert widths == [2, 6]


def test_school_map_layout_places_untied_students_apart():
    data = school_map(build_support_graph(tables(), school_id=10), 10, {})
    xs = {r["node"]: r for r in data["rows"]}
    lonely = next(n for n in data["nodes"] if xs.get(n["id"], {}).get("adults") == 0)
    assert lonely["x"] >= 1300
    assert all("x" in n and "y" in n for n in data["nodes"])


def test_staff_only_marks_are_dashed():
    from relationships.input_tables import StaffMarkRecord
    t = tables()
    t = t.replace(staff_marks=to_frames(staff_marks=[StaffMarkRecord(80, 3, 1, trusting=True)])
                  .staff_marks)
    data = ego_map(build_support_graph(t, school_id=10), 3, {})
    assert [e["dashes"] for e in data["edges"]] == [True]
    assert any(item.get("dashes") for item in data["legend"])
