"""The ``network`` export: the support graph as GraphML, or as ego / alter / edge tables.

The graph comes from :func:`relationships.build_support_graph` over the tables
:mod:`survey_app.reading.loader` loads (the one seam between the two). We copy
it into a plain graph whose attributes GraphML can hold (no lists, no None).
With ``deidentify`` every id becomes a salted HMAC, and names, SIS ids and
sourcedIds are left out; the survey holds no other free text on the graph.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date
from typing import IO, TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from relationships import build_support_graph
from relationships.input_tables import SUPPORT_TYPES
from survey_app.exports.table import Table
from survey_app.models import Student

if TYPE_CHECKING:  # imported where a graph is built: most exports never build one
    import networkx as nx
from survey_app.reading import loader

__all__ = ["network_graph", "network_tables", "write_graphml", "xml_text"]

_EDGE_FLAGS = ("reliable", "staff_only", "current", *SUPPORT_TYPES)


class _Ids:
    """Node ids: readable, or salted hashes that cannot be reversed without the salt."""

    def __init__(self, deidentify: bool, salt: str | None):
        self.deidentify = deidentify
        self.salt = (salt or secrets.token_hex(16)).encode()

    def __call__(self, kind: str, pk: int) -> str:
        if not self.deidentify:
            return f"{kind}:{pk}"
        digest = hmac.new(self.salt, f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()
        return f"{kind[0]}-{digest[:20]}"


def network_graph(*, session: Session, district_id: int, school_ids, deidentify: bool = False,
                  salt: str | None = None, today: date | None = None,
                  all_waves: bool = False) -> nx.DiGraph:
    """The support network of the schools' students, ready to write.

    The current wave by default, each edge with that wave's attributes (sources,
    reliability, support). ``all_waves``: every wave, each tie with its own
    wave's attributes, as parallel edges keyed and marked by ``wave`` (a
    MultiDiGraph). Ties of a survey that was not sent back are left out, as in
    the flags (see :mod:`relationships.input_tables`).
    """
    import networkx as nx

    ctx = loader.context(session=session, district_id=district_id, today=today)
    tables = loader.load_school_tables(session=session, ctx=ctx, school_ids=school_ids)
    H = (nx.MultiDiGraph if all_waves else nx.DiGraph)(deidentified=deidentify, wave=ctx.wave)
    if tables.students.empty:
        return H
    tables = _sent_ties(tables, ctx.wave)
    waves = sorted({int(w) for w in tables.ties["wave"]} | {int(w) for w in
                   tables.staff_marks["wave"]}) if all_waves else [ctx.wave]
    ids = _Ids(deidentify, salt)
    people = {} if deidentify else _people(session, tables.students["student_id"].tolist())
    student_ids = tables.students["student_id"].tolist()
    for wave in waves:
        G = build_support_graph(tables, student_ids=student_ids, waves=[wave], wave=wave,
                                min_reliability=ctx.rules.min_reliability)
        for (kind, pk), data in G.nodes(data=True):
            if ids(kind, pk) not in H:
                H.add_node(ids(kind, pk), **_node(kind, pk, data, people, deidentify))
        for (kind_u, u), (kind_v, v), data in G.edges(data=True):
            attrs = {**_edge(data), "wave": int(wave)}
            if all_waves:
                H.add_edge(ids(kind_u, u), ids(kind_v, v), key=f"w{wave}", **attrs)
            else:
                H.add_edge(ids(kind_u, u), ids(kind_v, v), **attrs)
    return H


def _sent_ties(tables, wave: int):
    """The tables without ties of surveys not sent back (this wave and the one before)."""
    by_student = tables.students.set_index("student_id")
    ties = tables.ties
    keep = np.ones(len(ties), dtype=bool)
    for w, prefix in ((wave, "responded"), (wave - 1, "previous")):
        for source, who in (("student_survey", "student"), ("family_survey", "family")):
            column = f"{prefix}_{who}"
            if column not in by_student:
                continue
            sent = by_student[column].reindex(ties["student_id"]).fillna(False).to_numpy(bool)
            keep &= ~((ties["wave"].to_numpy() == w) & (ties["source"] == source).to_numpy()
                      & ~sent)
    return tables.replace(ties=ties.loc[keep].reset_index(drop=True))


def _people(session: Session, student_ids: list[int]) -> dict[int, tuple]:
    found = {}
    for start in range(0, len(student_ids), 900):
        part = student_ids[start:start + 900]
        for row in session.execute(select(Student.id, Student.given_name, Student.family_name,
                                          Student.sis_id, Student.sourced_id)
                                   .where(Student.id.in_(part))):
            found[row[0]] = row[1:]
    return found


def _node(kind: str, pk: int, data: dict, people: dict, deidentify: bool) -> dict:
    if kind == "student":
        attrs = {"kind": "student", "school_id": int(data["school_id"])}
        try:
            attrs["grade"] = int(data["grade"])
        except (TypeError, ValueError):
            pass  # an unknown grade (None, NaN, NA) is left out, never 0
        if not deidentify and pk in people:
            given, family, sis_id, sourced_id = people[pk]
            attrs.update(name=f"{given} {family}".strip(), sis_id=sis_id or "",
                         sourced_id=sourced_id)
        return attrs
    attrs = {"kind": "adult", "adult_kind": str(data.get("kind") or ""),
             "role": str(data.get("role") or "")}
    if not deidentify:
        attrs["name"] = str(data.get("name") or "")
    return attrs


def _edge(data: dict) -> dict:
    attrs = {flag: bool(data.get(flag, False)) for flag in _EDGE_FLAGS}
    attrs["sources"] = ";".join(data.get("sources") or ())
    attrs["setting"] = str(data.get("setting") or "")
    if data.get("reliability") is not None:
        attrs["reliability"] = int(data["reliability"])
    return attrs


def write_graphml(G: nx.DiGraph, out: IO[bytes]) -> None:
    """Write ``G`` as GraphML, every text made valid XML 1.0 first (a control
    character in a typed name would otherwise make the file unreadable)."""
    import networkx as nx

    safe = G.copy()
    safe.graph.update({k: xml_text(v) for k, v in G.graph.items() if isinstance(v, str)})
    for _node_id, data in safe.nodes(data=True):
        data.update({k: xml_text(v) for k, v in data.items() if isinstance(v, str)})
    for *_ends, data in safe.edges(data=True):
        data.update({k: xml_text(v) for k, v in data.items() if isinstance(v, str)})
    nx.relabel_nodes(safe, {n: xml_text(n) for n in safe if isinstance(n, str)}, copy=False)
    nx.write_graphml(safe, out, encoding="utf-8")


#: Characters XML 1.0 does not allow (its ``Char`` production), and lone surrogates.
_NOT_XML = re.compile("[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def xml_text(value: str) -> str:
    """``value`` with every character XML 1.0 forbids replaced by U+FFFD.

    >>> xml_text("Ana\x00\x1b Lu\ufffe")
    'Ana\ufffd\ufffd Lu\ufffd'
    """
    return _NOT_XML.sub("\ufffd", value)


def network_tables(G: nx.DiGraph) -> list[Table]:
    """Network Canvas / egor-style tables: egos, alters (one row per ego and alter), edges.

    Column names are fixed identifiers, not translated, so research tools can read them.
    """
    named = not G.graph.get("deidentified")
    egos = [n for n, d in G.nodes(data=True) if d["kind"] == "student"]
    ego_cols = ["ego_id", "school_id", "grade", *(["name", "sis_id", "sourced_id"] if named
                                                  else [])]
    alter_cols = ["alter_id", "ego_id", "adult_kind", "role", *(["name"] if named else [])]
    edge_cols = ["edge_id", "ego_id", "from", "to", "reliable", "reliability", "setting",
                 "sources", "staff_only", "current", *SUPPORT_TYPES, "wave"]
    multi = G.is_multigraph()
    return [
        Table("egos", ego_cols, ([n, *(G.nodes[n].get(c) for c in ego_cols[1:])]
                                 for n in egos)),
        Table("alters", alter_cols, ([v, u, *(G.nodes[v].get(c) for c in alter_cols[2:])]
                                     for u in egos for v in G.successors(u))),
        Table("edges", edge_cols, ([f"{u}>{v}@{d.get('wave')}" if multi else f"{u}>{v}", u, u, v,
                                    *(d.get(c) for c in edge_cols[4:])]
                                   for u, v, d in G.edges(data=True))),
    ]
