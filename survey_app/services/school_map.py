"""Map data of a whole school: students and adults with their ties, layout precomputed.

Physics is off and every node has ``x``/``y`` from the server, so the browser
draws 2,000+ nodes without simulating anything. Staff are sized by how many
students have them as their only reliable school adult (anchor load).
"""

from __future__ import annotations

from sqlmodel import Session

from relationships import build_support_graph, flag_matrix, sole_anchors
from relationships.maps import school_map as map_of
from relationships.school_view import staff_view
from survey_app.reading import cache, loader


def _node_keys(G, school_id: int) -> list:
    """Graph nodes in the order ``relationships.maps.school_map`` numbers them."""
    students = [n for n, d in G.nodes(data=True)
                if d["kind"] == "student" and d.get("school_id") == school_id]
    adults = {v for s in students for v, cur in
              ((v, G.edges[s, v]["current"]) for v in G.successors(s)) if cur}
    return students + sorted(adults, key=lambda n: n[1])


def build(*, session: Session, ctx: loader.Context, school_id: int, grade: int | None,
          labels: dict, everyone: bool = False, group_by: str = "staff") -> dict:
    """Map data (nodes, edges, options, legend, rows) of ``school_id``, one grade or all.

    ``group_by``: ``"staff"`` or ``"grade"`` (:func:`relationships.school_view.staff_view`;
    not used with ``everyone``). Made once per data version, grade, grouping and labels
    (see :mod:`survey_app.reading.cache`); the caller gets its own copy to change.
    """
    data = cache.memo(
        session, ("school_map", school_id, grade, everyone, group_by, ctx.district_id,
                  ctx.wave, ctx.wave_id, repr(ctx.rules), repr(labels)),
        lambda: _build(session, ctx, school_id, grade, labels, everyone, group_by),
        school_ids=[school_id])
    # The caller changes nodes' top-level keys only (titles of staff nodes).
    return {**data, "nodes": [dict(node) for node in data["nodes"]]}


def anchors(*, session: Session, ctx: loader.Context, school_id: int, tables=None):
    """:func:`relationships.sole_anchors` of the whole school this wave (``adult_id,
    staff_id, school_id, students``), made once per data version and shared (read only).

    ``tables``: the school's tables of this wave, when the caller has loaded them.
    """
    def make():
        school = tables if tables is not None else loader.load_school_staff_ties(
            session=session, ctx=ctx, school_ids=[school_id], waves=[ctx.wave])
        return sole_anchors(school, wave=ctx.wave, min_reliability=ctx.rules.min_reliability)

    return cache.memo(session, ("anchors", school_id, ctx.district_id, ctx.wave,
                                ctx.wave_id, ctx.rules.min_reliability), make,
                      school_ids=[school_id])


def anchor_loads(*, session: Session, ctx: loader.Context, school_id: int) -> dict:
    """Staff id -> students of ``school_id`` for whom they are the only reliable school
    adult this wave (what mentor suggestions weigh).

    Counted from the school's cached state (:func:`survey_app.reading.cache.state`), which
    a survey save updates by reloading its own students only: a profile opened during a
    survey window never loads the whole school's ties again for it.
    """
    school = cache.state(session=session, ctx=ctx, school_ids=[school_id])
    frame = school.memo(("anchor_loads", ctx.wave, ctx.rules.min_reliability),
                        lambda: sole_anchors(school.tables, wave=ctx.wave,
                                             min_reliability=ctx.rules.min_reliability))
    return dict(zip(frame["staff_id"].tolist(), frame["students"].tolist(), strict=True))


def _build(session: Session, ctx: loader.Context, school_id: int, grade: int | None,
           labels: dict, everyone: bool = False, group_by: str = "staff") -> dict:
    tables = loader.load_school_tables(session=session, ctx=ctx, school_ids=[school_id],
                                        waves=[ctx.wave])
    ids = tables.students["student_id"]
    if grade is not None:
        ids = ids[tables.students["grade"] == grade]
    names = loader.student_directory(session=session, school_ids=[school_id])
    labels = dict(labels, students=dict(zip(names["student_id"].tolist(),
                                            names["name"].tolist(), strict=True)))
    G = build_support_graph(tables, student_ids=ids.tolist(), wave=ctx.wave,
                            min_reliability=ctx.rules.min_reliability)
    load = anchors(session=session, ctx=ctx, school_id=school_id, tables=tables)
    load = dict(zip(load["adult_id"].tolist(), load["students"].tolist(), strict=True))
    if not everyone:  # the counselor's question: students and school staff only
        flagged, no_data = _no_school_adult(session, ctx, school_id)
        data = staff_view(G, school_id, labels, loads=load, group_by=group_by,
                          flagged=flagged, no_data=no_data)
        data["anchor_load"] = _anchor_rows(G, data, load)
        return data
    data = map_of(G, school_id, labels)
    keys = _node_keys(G, school_id)
    for node, key in zip(data["nodes"], keys, strict=True):
        if node["group"] == "student":
            node["label"] = ""  # names on hover and in the table: 2,000 labels are noise
            node["size"] = 8
        elif node["group"] == "staff":
            node["size"] = 12 + 3 * min(load.get(key[1], 0), 20)
            if load.get(key[1], 0):
                node["anchor_load"] = load[key[1]]
    data["anchor_load"] = sorted(
        ({"name": G.nodes[k]["name"], "students": load.get(k[1], 0)} for k in keys
         if k[0] == "adult" and G.nodes[k]["kind"] == "staff" and load.get(k[1], 0)),
        key=lambda r: -r["students"])
    return data


def _no_school_adult(session: Session, ctx: loader.Context, school_id: int):
    """Students the caseload finds with no adult at school, and with no data yet (the
    map's first block is the caseload's number); ``(None, None)`` when the district turned
    that rule off (the map then shows every student without a school tie of their own)."""
    evaluation = cache.state(session=session, ctx=ctx, school_ids=[school_id]).evaluation
    matrix = flag_matrix(evaluation.measures, ctx.rules)
    if "no_school_adult" not in matrix.columns:
        return None, None
    ids = evaluation.measures["student_id"]
    return (set(ids[matrix["no_school_adult"].to_numpy()].tolist()),
            set(ids[matrix["no_data"].to_numpy()].tolist()) if "no_data" in matrix else set())


def _anchor_rows(G, data, load) -> list[dict]:
    """Staff many students rely on alone, most first (the table beside the map)."""
    staff = [n for n in G if n[0] == "adult" and G.nodes[n]["kind"] == "staff"
             and load.get(n[1], 0)]
    return sorted(({"name": G.nodes[k]["name"], "students": load[k[1]]} for k in staff),
                  key=lambda r: -r["students"])
