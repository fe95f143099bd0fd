"""A disclosure auditor: what an analyst can work out from every published number at once.

Written from the published tables alone (not from the suppression code): each
table is ``(measure, grouping, area) -> frame`` with the grouping column,
``n``, ``count``, ``rate_code`` and a last "total" row. The analyst knows:

- every shown size and count (a shown rate with its size gives the count);
- a listed group has at least one person; 0 <= count <= n;
- "≤5" means count <= 0.05 n, "≥95" means count >= 0.95 n;
- the groups of a grouping add up to the total, and every grouping of the same
  measure and area has the same total;
- the parts' tables add up to the whole's, group by group (a group missing
  from a part's table has nobody there);
- measures counted over the same people (``populations``) share their sizes.

For every value not shown, the smallest and largest value consistent with all
of that is found by linear programming (SciPy's HiGHS). This is the LP
relaxation: an analyst restricted to whole numbers could only narrow a range
by less than one on each side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

ALL = "all"


@dataclass
class Audit:
    tables: int
    values: int
    hidden: int
    narrowest: float  # the narrowest range of a hidden value (inf when none is hidden)
    narrowest_key: tuple | None
    ranges: dict


PROTECTION_CAP = 3  # the protection level the widths are compared with


def _pop(count_key, populations):
    return populations.get(count_key[1], count_key[1])


class _System:
    def __init__(self):
        self.index: dict = {}
        self.lower: list = []
        self.rows: list = []  # (coefficients {var: a}, rhs) equalities
        self.ineq: list = []  # (coefficients, rhs): sum a x <= rhs
        self.known: dict = {}

    def var(self, key, lower=0.0):
        if key not in self.index:
            self.index[key] = len(self.index)
            self.lower.append(lower)
        else:
            self.lower[self.index[key]] = max(self.lower[self.index[key]], lower)
        return key

    def eq(self, coeffs, rhs=0.0):
        self.rows.append((coeffs, rhs))

    def le(self, coeffs, rhs=0.0):
        self.ineq.append((coeffs, rhs))


def _system(published, populations):
    s = _System()
    for (measure, by, area), frame in published.items():
        pop = populations.get(measure, measure)
        parts_n, parts_c = {}, {}
        for row in frame.to_dict("records"):
            group = row[by]
            total = group == "total"
            nk = ("n", pop, "total", area) if total else ("n", pop, by, area, group)
            ck = ("c", measure, "total", area) if total else ("c", measure, by, area, group)
            s.var(nk, lower=1.0 if not total else 0.0)
            s.var(ck)
            s.le({ck: 1.0, nk: -1.0})
            if not pd.isna(row["n"]):
                s.known[nk] = float(row["n"])
            if "count" in row and not pd.isna(row["count"]):
                s.known[ck] = float(row["count"])
            code = row.get("rate_code")
            if code == "le5":
                s.le({ck: 1.0, nk: -0.05})
            elif code == "ge95":
                s.le({ck: -1.0, nk: 0.95})
            if not total:
                parts_n[nk], parts_c[ck] = -1.0, -1.0
        s.eq({("n", pop, "total", area): 1.0, **parts_n})
        s.eq({("c", measure, "total", area): 1.0, **parts_c})
    # Parts add up to the whole, cell by cell (absent cells are 0).
    wholes: dict = {}
    for key in list(s.index):
        if key[3] != ALL:
            wholes.setdefault((*key[:3], ALL, *key[4:]), []).append(key)
    for whole, parts in wholes.items():
        if whole in s.index:
            s.eq({whole: 1.0, **{p: -1.0 for p in parts}})
    # A whole's cell with no part listing it has nobody there in any part.
    return s


def _matrices(s, rows):
    n = len(s.index)
    data, r, c, rhs = [], [], [], []
    for i, (coeffs, b) in enumerate(rows):
        for key, a in coeffs.items():
            data.append(a)
            r.append(i)
            c.append(s.index[key])
        rhs.append(b)
    return coo_matrix((data, (r, c)), shape=(len(rows), n)).tocsr(), np.array(rhs)


def audit(published, *, populations=None, area=True):
    """Return an :class:`Audit` of ``published`` (see the module docstring)."""
    s = _system(published, populations or {})
    for key, value in s.known.items():
        s.eq({key: 1.0}, value)
    a_eq, b_eq = _matrices(s, s.rows)
    a_ub, b_ub = _matrices(s, s.ineq)
    lower = np.array(s.lower)
    keys = list(s.index)
    # Solve each connected part of the system on its own (measures counted over
    # other people share nothing): smaller programmes, same answers.
    link = (abs(a_eq).T @ abs(a_eq) + abs(a_ub).T @ abs(a_ub)).tocsr()
    _n, label = connected_components(link, directed=False)
    ranges = {}
    for part in np.unique(label):
        cols = np.flatnonzero(label == part)
        eq_rows = np.flatnonzero(abs(a_eq[:, cols]).sum(axis=1).A1 > 0)
        ub_rows = np.flatnonzero(abs(a_ub[:, cols]).sum(axis=1).A1 > 0)
        sub = {"A_eq": a_eq[eq_rows][:, cols], "b_eq": b_eq[eq_rows],
               "A_ub": a_ub[ub_rows][:, cols] if len(ub_rows) else None,
               "b_ub": b_ub[ub_rows] if len(ub_rows) else None,
               "bounds": [(lo, None) for lo in lower[cols]], "method": "highs"}
        for j, col in enumerate(cols):
            key = keys[col]
            if key in s.known:
                continue
            cost = np.zeros(len(cols))
            cost[j] = 1.0
            lo = linprog(cost, **sub)
            hi = linprog(-cost, **sub)
            assert lo.status == 0, (key, lo.message)  # the published numbers are consistent
            top = np.inf if hi.status == 3 else -hi.fun
            ranges[key] = (lo.fun, top)
    hidden = list(ranges)
    # A count need not range wider than its group could hold: its shortfall is
    # measured against the largest size its group can have.
    widths = {}
    for k, (lo, hi) in ranges.items():
        width = hi - lo
        if k[0] == "c":
            nk = ("n", _pop(k, populations or {}), *k[2:])
            top = ranges[nk][1] if nk in ranges else s.known.get(nk, np.inf)
            width = width if top >= PROTECTION_CAP else width + (PROTECTION_CAP - top)
        widths[k] = width
    narrow = min(widths, key=widths.get) if widths else None
    return Audit(tables=len(published), values=len(s.index), hidden=len(hidden),
                 narrowest=widths[narrow] if narrow else np.inf, narrowest_key=narrow,
                 ranges=ranges)
