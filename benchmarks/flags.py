"""Benchmark: whole-district flags and school metrics against a one-groupby floor.

Run from the repository root::

    .venv/bin/python benchmarks/flags.py --students 100000

Progress goes to stderr; the last line of stdout is one JSON object.
``seconds`` is the vectorised decision of every student rule and the school
metrics for the whole district (validation included); ``objects_s`` adds
building a ``Flag`` object for every fired rule of every student, which the
pages only do for one school or caseload at a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._synthetic import make_district  # noqa: E402
from relationships.flags import FlagRules, evaluate, flag_matrix  # noqa: E402
from relationships.graph import build_support_graph, school_structure  # noqa: E402
from relationships.maps import ego_map  # noqa: E402
from relationships.metrics import measure, school_measures, sole_anchor_frame  # noqa: E402
from relationships.validation import validate_tables  # noqa: E402


def _log(message):
    print(message, file=sys.stderr, flush=True)


def _best(fn, repeat):
    """Return (best seconds, last result) of ``repeat`` runs."""
    best, out = float("inf"), None
    for _unused in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def district(tables, rules):
    """Validate, count, decide every student rule and the per-school measures."""
    tables, _skips = validate_tables(tables)
    ctx, pairs, measures = measure(tables, min_reliability=rules.min_reliability)
    matrix = flag_matrix(measures, rules)
    anchors = sole_anchor_frame(ctx, pairs, tables)
    schools = school_measures(measures, anchors=anchors, anchor_min=rules.anchor_load_minimum)
    return matrix, schools


def floor(tables):
    """The floor: one pandas groupby counting reliable ties per student."""
    ties = tables.ties
    return ties.loc[ties["reliability"] >= 3].groupby("student_id").size()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    _log(f"building a synthetic district of {args.students} students ...")
    tables = make_district(args.students, seed=args.seed)
    n_ties = len(tables.ties) + int(tables.staff_marks["trusting"].sum())
    _log(f"  {len(tables.ties)} survey ties + {int(tables.staff_marks['trusting'].sum())} "
         f"staff ✓ marks, {len(tables.adults)} adults")
    rules = FlagRules()
    _log("timing the floor (one groupby) ...")
    floor_s, _unused = _best(lambda: floor(tables), args.repeat)
    _log(f"  {floor_s:.4f} s")
    _log("timing every student flag and the school metrics ...")
    seconds, (matrix, schools) = _best(lambda: district(tables, rules), args.repeat)
    _log(f"  {seconds:.3f} s, {int(matrix.to_numpy().sum())} flags fired, {len(schools)} schools")
    _log("timing Flag objects for the whole district ...")
    objects_s, result = _best(lambda: evaluate(tables, rules), 1)
    _log(f"  {objects_s:.3f} s, {len(result.flags)} Flag objects")
    _log("timing one 3,000-student school graph with structural measures ...")
    school_s, G = _best(lambda: _school(tables), args.repeat)
    _log(f"  {school_s:.3f} s, {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    student = next(n for n, d in G.nodes(data=True) if d["kind"] == "student" and G.degree(n))
    ego_s, data = _best(lambda: ego_map(G, student[1], {}), 20)
    _log(f"  ego map {ego_s * 1000:.2f} ms, {len(data['nodes'])} nodes")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "students": args.students, "ties": n_ties, "seconds": round(seconds, 4),
        "floor_seconds": round(floor_s, 4), "ratio": round(seconds / floor_s, 2),
        "objects_s": round(objects_s, 3), "flags": len(result.flags),
        "peak_mb": round(peak_mb, 1), "school_graph_s": round(school_s, 4),
        "ego_map_ms": round(ego_s * 1000, 3),
    }
    print(json.dumps(report))


def _school(tables):
    G = build_support_graph(tables, school_id=0)
    school_structure(G)
    return G


if __name__ == "__main__":
    main()
